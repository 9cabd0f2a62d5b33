import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, guardErrorHandler, requireAuthentication } from '@fapi-guard/express'
import type { RequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { expressVersions, type ExpressFactory } from './support/express-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

// Optional authentication on both Express majors: no credentials → on without req.auth. What any other
// request is answered (credentials verified in full, requirements after the guard) is the contract table's (PASS-*).
describe.each(expressVersions)('passthrough on $name', ({ express }) => {
  const options = (extra: object = {}) => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const, passthrough: true, ...extra })

  async function start(app: ExpressFactory, chain: RequestHandler[], withErrorHandler = false) {
    const { app: built, route } = protectedApp(app, chain, withErrorHandler ? [guardErrorHandler()] : [])
    const server = await serve(built)
    return { route, server, url: `${server.origin}/resource` }
  }

  it('no credentials → the route runs without req.auth, and no challenge is sent', async () => {
    const { route, server, url } = await start(express, [guard(options())])
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

  it('a valid token → the route runs with req.auth', async () => {
    const { route, server, url } = await start(express, [guard(options())])
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint({ sub: 'bob' })}` } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({ auth: { subject: 'bob' } })
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('with forwardErrors, requireAuthentication() hands that 401 to the error handlers', async () => {
    const { route, server, url } = await start(express, [guard(options({ forwardErrors: true })), requireAuthentication({ maxAge: 60 })], true)
    try {
      const anonymous = await send(url)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
      expect(anonymous.json()).toEqual({ error: 'unauthorized' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })
})
