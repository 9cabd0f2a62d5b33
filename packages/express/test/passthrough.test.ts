import { createGuard } from '@fapi-guard/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, guardErrorHandler, requireAuthentication, requireScopes } from '@fapi-guard/express'
import type { RequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteBody } from './support/apps.js'
import { expressVersions, type ExpressFactory } from './support/express-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const HOUR = 3_600_000

describe('passthrough option', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  it('is an adapter option, in the options or beside an existing guard', () => {
    expect(() => guard({ ...base(), passthrough: true })).not.toThrow()
    expect(() => guard(createGuard(base()), { passthrough: true, forwardErrors: true })).not.toThrow()
  })

  it('must be a boolean', () => {
    expect(() => guard({ ...base(), passthrough: 'yes' as unknown as boolean })).toThrow(new TypeError('fapi-guard: option "passthrough" must be a boolean'))
    expect(() => guard(createGuard(base()), { passthrough: 1 as unknown as boolean })).toThrow(/"passthrough" must be a boolean/)
  })
})

// Optional authentication: no credentials → on without req.auth; anything else is judged as usual.
describe.each(expressVersions)('passthrough on $name', ({ express }) => {
  const options = (extra: object = {}) => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const, passthrough: true, ...extra })

  async function start(app: ExpressFactory, chain: RequestHandler[], withErrorHandler = false) {
    const { app: built, route } = protectedApp(app, chain, withErrorHandler ? [guardErrorHandler()] : [])
    const server = await serve(built)
    return { route, server, url: `${server.origin}/resource` }
  }

  it.each([
    ['no Authorization header', {}],
    ['a scheme the guard does not take (Basic)', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('%s → the route runs without req.auth, and no challenge is sent', async (_, headers) => {
    const { route, server, url } = await start(express, [guard(options())])
    try {
      const reply = await send(url, { headers })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual<RouteBody>({ anonymous: true })
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
  ])('%s is still refused', async (_, authorization, status, error) => {
    const { route, server, url } = await start(express, [guard(options({ clock: () => Date.now() + HOUR }))])
    try {
      const reply = await send(url, { headers: { authorization: await authorization() } })
      expect(reply.status).toBe(status)
      expect(reply.json()).toMatchObject({ error })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('requireScopes() after it refuses a request without credentials with the 401 challenge', async () => {
    const { route, server, url } = await start(express, [guard(options()), requireScopes('accounts:read')])
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
