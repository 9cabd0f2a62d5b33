import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, requireScopes } from '@fapi-guard/koa'
import type { Middleware } from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteBody } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const HOUR = 3_600_000

// Optional authentication: no credentials → on without ctx.state.auth; anything else is judged as usual.
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
      expect(reply.json()).toEqual<RouteBody>({ anonymous: true })
      expect(reply.headers['www-authenticate']).toBeUndefined()
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('a scheme the guard does not take counts as no credentials → the route runs anonymously', async () => {
    const { route, server, url } = await start([guard(options())])
    try {
      const reply = await send(url, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ anonymous: true })
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
      expect(reply.json()).toMatchObject({ subject: 'bob' })
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it.each([
    ['a token that is not a JWT', () => Promise.resolve('Bearer not-a-jwt'), 401, 'invalid_token'],
    ['a malformed header', () => Promise.resolve('Bearer a b'), 400, 'invalid_request'],
    ['an expired token', async () => `Bearer ${await issuer.mint({}, { expiresIn: 300 })}`, 401, 'invalid_token'],
  ])('%s is still refused (%i %s)', async (_, authorization, status, error) => {
    const { route, server, url } = await start([guard(options({ clock: () => Date.now() + HOUR }))])
    try {
      const reply = await send(url, { headers: { authorization: await authorization() } })
      expect(reply.status).toBe(status)
      expect(reply.json()).toMatchObject({ error })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('two Authorization headers are still refused → 400', async () => {
    const { route, server, url } = await start([guard(options())])
    try {
      const token = await issuer.mint()
      const reply = await send(url, { headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } })
      expect(reply.status).toBe(400)
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('requireScopes() after it refuses a request without credentials with the 401 challenge', async () => {
    const { route, server, url } = await start([guard(options()), requireScopes('accounts:read')])
    try {
      const anonymous = await send(url)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
      expect(anonymous.headers['www-authenticate']).not.toContain('error=')
      expect(anonymous.json()).toEqual({ error: 'unauthorized' })
      const narrow = await send(url, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'openid' })}` } })
      expect(narrow.status).toBe(403)
      const allowed = await send(url, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read' })}` } })
      expect(allowed.status).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })
})
