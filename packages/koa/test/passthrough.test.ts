import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard } from '@fapi-guard/koa'
import type { Middleware } from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

// Optional authentication on both Koa majors: no credentials → on without ctx.state.auth. What any other
// request is answered (credentials verified in full, requirements after the guard) is the contract table's (PASS-*).
describe.each(koaVersions)('passthrough on $name', ({ Koa }) => {
  const options = (extra: object = {}) => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const, passthrough: true, ...extra })

  async function start(chain: Middleware[]) {
    const { app, route } = protectedApp(Koa, chain)
    const server = await serve(app.callback())
    return { route, server, url: `${server.origin}/resource` }
  }

  it('no credentials → the route runs without ctx.state.auth, and no challenge is sent', async () => {
    const { route, server, url } = await start([guard(options())])
    try {
      const reply = await send(url)
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ auth: null })
      expect(reply.headers['www-authenticate']).toBeUndefined()
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('a valid token → the route runs with ctx.state.auth', async () => {
    const { route, server, url } = await start([guard(options())])
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint({ sub: 'bob' })}` } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({ auth: { subject: 'bob' } })
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })
})
