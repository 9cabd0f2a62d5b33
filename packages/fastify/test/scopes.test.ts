import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import fapiGuard from '@fapi-guard/fastify'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const options = () => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const })

describe('route config: { scopes }', () => {
  it('all granted → 200; one missing → 403 insufficient_scope with scope="…"; the handler never runs on refusal', async () => {
    const { app, route } = await protectedApp(options(), { config: { scopes: ['accounts:read', 'accounts:write'] } })
    try {
      const allowed = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:write accounts:read' })}` } })
      expect(allowed.statusCode).toBe(200)
      const refused = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read' })}` } })
      expect(refused.statusCode).toBe(403)
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/)
      expect(refused.headers['www-authenticate']).toContain('scope="accounts:read accounts:write"')
      expect(refused.json()).toEqual({ error: 'insufficient_scope', error_description: expect.any(String) })
      expect(route.count).toBe(1)
    } finally {
      await app.close()
    }
  })

  it('adds to the guard-wide scopes (checked first, as with Express: the challenge names the missing guard-wide scope)', async () => {
    const { app } = await protectedApp({ ...options(), scopes: ['openid'] }, { config: { scopes: ['accounts:read'] } })
    try {
      const narrow = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read' })}` } })
      expect(narrow.statusCode).toBe(403)
      expect(narrow.headers['www-authenticate']).toContain('scope="openid"')
      const guardWideOnly = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'openid' })}` } })
      expect(guardWideOnly.statusCode).toBe(403)
      expect(guardWideOnly.headers['www-authenticate']).toContain('scope="accounts:read"')
      const full = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'openid accounts:read' })}` } })
      expect(full.statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it.each([
    ['a scope with a space', ['two words']],
    ['an empty scope', ['']],
    ['not an array', 'accounts:read'],
  ])('%s → TypeError when the route is added', async (_, scopes) => {
    const app = Fastify()
    await app.register(fapiGuard, options())
    try {
      expect(() => app.get('/bad', { onRequest: app.authenticate, config: { scopes: scopes as string[] } }, async () => 'never')).toThrow(TypeError)
    } finally {
      await app.close()
    }
  })
})

describe('app.requireScopes(...scopes)', () => {
  it('after authenticate: all granted → 200, one missing → 403 with scope="…"', async () => {
    const { app, route } = await protectedApp(options(), { hooks: (instance) => [instance.requireScopes('payments:write', 'accounts:read')] })
    try {
      const allowed = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read payments:write' })}` } })
      expect(allowed.statusCode).toBe(200)
      const refused = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read' })}` } })
      expect(refused.statusCode).toBe(403)
      expect(refused.headers['www-authenticate']).toContain('error="insufficient_scope"')
      expect(refused.headers['www-authenticate']).toContain('scope="payments:write accounts:read"')
      expect(route.count).toBe(1)
    } finally {
      await app.close()
    }
  })

  it('a DPoP-bound request gets the insufficient_scope error in the DPoP challenge', async () => {
    const { createDPoPKey, createDPoPProof } = await import('@fapi-guard/testing')
    const key = await createDPoPKey()
    const { app, route } = await protectedApp({ ...options() }, { hooks: (instance) => [instance.requireScopes('admin')] })
    try {
      const url = 'http://api.example.test/resource'
      const token = await issuer.mint({ scope: 'openid', cnf: { jkt: key.thumbprint } })
      const dpop = await createDPoPProof({ key, method: 'GET', url, accessToken: token })
      const reply = await app.inject({ url, headers: { authorization: `DPoP ${token}`, dpop } })
      expect(reply.statusCode).toBe(403)
      expect(reply.headers['www-authenticate']).toMatch(/DPoP [^,]*error="insufficient_scope"/)
      expect(route.count).toBe(0)
    } finally {
      await app.close()
    }
  })

  it('checks its arguments when called: TypeError', async () => {
    const app = Fastify()
    await app.register(fapiGuard, options())
    try {
      expect(() => app.requireScopes()).toThrow(/at least one scope/)
      expect(() => app.requireScopes('two words')).toThrow(/not a valid scope token/)
      expect(() => app.requireScopes(42 as unknown as string)).toThrow(TypeError)
    } finally {
      await app.close()
    }
  })

  it('without authenticate before it → 500 (a programming error), the handler never runs', async () => {
    const app = Fastify()
    await app.register(fapiGuard, options())
    let runs = 0
    app.get('/resource', { onRequest: app.requireScopes('accounts:read') }, async () => {
      runs++
      return 'ran'
    })
    try {
      const reply = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read' })}` } })
      expect(reply.statusCode).toBe(500)
      expect(reply.json()).toMatchObject({ message: expect.stringMatching(/requireScopes\(\) ran without authenticate/) })
      expect(runs).toBe(0)
    } finally {
      await app.close()
    }
  })
})
