import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardModes, testModule, type RouteCounter } from './support/apps.js'
import { send } from './support/http.js'
import { platforms, start, type Running } from './support/platforms.js'

// FapiAuthGuard end to end, on a real listening server, on both HTTP platforms and in both ways of
// putting it on the routes (global APP_GUARD, @UseGuards): decorators, @Auth(), @Public(), the opt-in
// exception filter. What a request is answered is the contract table's (test/contract/cases.ts, global
// guard). Plain bearer tokens, so the `oauth2` profile (fapi2 refuses unbound tokens).

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

describe.each(platforms)('FapiAuthGuard on $name', (platform) => {
  describe.each(guardModes)('as %s guard', (mode) => {
    let server: Running
    const counter: RouteCounter = { count: 0 }
    beforeAll(async () => {
      server = await start(platform, testModule({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' }, mode, counter))
    })
    afterAll(() => server.close())

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

    it('a valid token with the scope → 200, and @Auth() gives the AuthContext', async () => {
      const token = await issuer.mint({ scope: 'accounts:read profile' })
      const reply = await send(`${server.origin}/accounts`, { headers: bearer(token) })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ subject: 'user-1', clientId: 'client-1', scopes: ['accounts:read', 'profile'], source: 'jwt', binding: {} })
    })

    it('@Auth(property) gives one member, and the AuthContext is on request.auth', async () => {
      const token = await issuer.mint({ scope: 'accounts:read', sub: 'alice' })
      const reply = await send(`${server.origin}/accounts/subject`, { headers: bearer(token) })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ subject: 'alice', requestAuth: 'alice' })
    })

    it('no credentials → 401 with the challenge and no error code', async () => {
      const before = counter.count
      const reply = await send(`${server.origin}/accounts`)
      expect(reply.status).toBe(401)
      expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
      expect(reply.headers['www-authenticate']).not.toContain('error=')
      expect(reply.json()).toEqual({ error: 'unauthorized' })
      expect(counter.count).toBe(before)
    })

    it('a token without the controller’s scope → 403 insufficient_scope naming it', async () => {
      const before = counter.count
      const token = await issuer.mint({ scope: 'profile' })
      const reply = await send(`${server.origin}/accounts`, { headers: bearer(token) })
      expect(reply.status).toBe(403)
      expect(reply.json()).toMatchObject({ error: 'insufficient_scope' })
      expect(reply.headers['www-authenticate']).toContain('error="insufficient_scope"')
      expect(reply.headers['www-authenticate']).toContain('scope="accounts:read"')
      expect(counter.count).toBe(before)
    })

    it('a route’s @Scopes replaces its controller’s (Reflector.getAllAndOverride)', async () => {
      const payments = await issuer.mint({ scope: 'payments:write' })
      const reply = await send(`${server.origin}/accounts/payments`, { headers: bearer(payments) })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ scopes: ['payments:write'] })

      const read = await issuer.mint({ scope: 'accounts:read' })
      const refused = await send(`${server.origin}/accounts/payments`, { headers: bearer(read) })
      expect(refused.status).toBe(403)
      expect(refused.headers['www-authenticate']).toContain('scope="payments:write"')
    })

    it('@Public() routes and controllers are open, and @Auth() is undefined there', async () => {
      const open = await send(`${server.origin}/accounts/open`)
      expect(open.status).toBe(200)
      expect(open.json()).toEqual({ auth: null })
      // even with a bad token: a public route does not read credentials
      const withBadToken = await send(`${server.origin}/accounts/open`, { headers: bearer('not-a-token') })
      expect(withBadToken.status).toBe(200)
      const health = await send(`${server.origin}/health`)
      expect(health.status).toBe(200)
      expect(health.json()).toEqual({ ok: true })
    })

    it('a GuardError thrown by route code is answered with the challenge (FapiGuardExceptionFilter)', async () => {
      const token = await issuer.mint({ scope: 'accounts:read' })
      const reply = await send(`${server.origin}/accounts/admin`, { headers: bearer(token) })
      expect(reply.status).toBe(403)
      expect(reply.json()).toEqual({ error: 'insufficient_scope', error_description: expect.any(String) })
      expect(reply.headers['www-authenticate']).toContain('scope="admin"')
    })
  })
})

describe.each(platforms)('FapiAuthGuard on $name, the issuer’s keys out of reach', (platform) => {
  it('by default the application does not bootstrap, and says why (readyOnBootstrap)', async () => {
    const down = await createLocalIssuer()
    down.down = true
    try {
      await expect(start(platform, testModule({ issuer: down.issuer, audience: down.audience, profile: 'oauth2', httpTimeout: 1000 }, 'global', { count: 0 }))).rejects.toThrow(
        `fapi-guard is not ready: issuer "${down.issuer}": discovery for "${down.issuer}" failed: GET ${down.issuer}/.well-known/oauth-authorization-server answered 503`,
      )
    } finally {
      await down.close()
    }
  })

  it('with readyOnBootstrap: false it starts, and a request → 503 temporarily_unavailable with Retry-After (fails closed)', async () => {
    const down = await createLocalIssuer()
    down.down = true
    const counter: RouteCounter = { count: 0 }
    const options = { issuer: down.issuer, audience: down.audience, profile: 'oauth2' as const, httpTimeout: 1000, readyOnBootstrap: false }
    const server = await start(platform, testModule(options, 'global', counter))
    try {
      const token = await down.mint({ scope: 'accounts:read' })
      const reply = await send(`${server.origin}/accounts`, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(503)
      expect(reply.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/))
      expect(reply.json()).toMatchObject({ error: 'temporarily_unavailable' })
      expect(counter.count).toBe(0)
    } finally {
      await server.close()
      await down.close()
    }
  })
})
