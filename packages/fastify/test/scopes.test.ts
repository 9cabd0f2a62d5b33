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

// The answers to route config scopes (and to guard-wide scopes beside them) are the contract table's;
// here: what config.scopes takes, and app.requireScopes() as a hook of its own.
describe('route config: { scopes }', () => {
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
