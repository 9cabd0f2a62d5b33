import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import fapiGuard, { claimCheck, claimEquals, claimIncludes, type GuardOptions } from '@fapi-guard/fastify'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'

// Issue 10 on Fastify: the ways of declaring step-up (RFC 9470) and claims per route (config and hooks)
// and where the plugin serves the RFC 9728 metadata. The contract table holds every adapter to the answers
// (config acrValues and scopes, hooks for maxAge and claims, metadata, x-fapi-interaction-id).

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const options = (extra: Partial<GuardOptions> = {}): GuardOptions => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', ...extra })
const bearer = async (claims: Record<string, unknown> = {}) => ({ authorization: `Bearer ${await issuer.mint(claims)}` })
const now = () => Math.floor(Date.now() / 1000)

describe('route config: { acrValues, maxAge, claims }, honoured by authenticate', () => {
  it('maxAge: an old auth_time → 401 with max_age', async () => {
    const { app, route } = await protectedApp(options(), { config: { maxAge: 600 } })
    try {
      const refused = await app.inject({ url: '/resource', headers: await bearer({ auth_time: now() - 3600 }) })
      expect(refused.statusCode).toBe(401)
      expect(refused.headers['www-authenticate']).toContain('max_age="600"')
      expect(route.count).toBe(0)
      expect((await app.inject({ url: '/resource', headers: await bearer({ auth_time: now() }) })).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('claims: a failing requirement → 403 insufficient_scope naming the claim', async () => {
    const { app, route } = await protectedApp(options(), { config: { claims: [claimEquals('tenant', 'acme')] } })
    try {
      const refused = await app.inject({ url: '/resource', headers: await bearer({ tenant: 'other' }) })
      expect(refused.statusCode).toBe(403)
      expect(refused.json()).toEqual({ error: 'insufficient_scope', error_description: 'the "tenant" claim does not have the required value' })
      expect(route.count).toBe(0)
      expect((await app.inject({ url: '/resource', headers: await bearer({ tenant: 'acme' }) })).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it.each([
    ['acrValues: []', { acrValues: [] }],
    ['maxAge: -1', { maxAge: -1 }],
    ['maxAge: "60"', { maxAge: '60' }],
    ['claims: not made by the helpers', { claims: [{ name: 'tenant' }] }],
    ['scopes: []', { scopes: [] }],
  ])('%s → TypeError (core checkRequirements) when the route is added', async (_, config) => {
    const app = Fastify()
    await app.register(fapiGuard, options())
    try {
      expect(() => app.get('/bad', { onRequest: app.authenticate, config: config as never }, async () => 'never')).toThrow(/fapi-guard: .*route \/bad config/)
    } finally {
      await app.close()
    }
  })

  it('leaves the application’s own config members alone', async () => {
    const { app } = await protectedApp(options(), { config: { rateLimit: 5 } as never })
    try {
      expect((await app.inject({ url: '/resource', headers: await bearer() })).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })
})

describe('hooks after authenticate', () => {
  it('app.requireAuthentication({ acrValues, maxAge }) and app.requireClaims(...)', async () => {
    const { app, route } = await protectedApp(options(), {
      hooks: (instance) => [instance.requireAuthentication({ acrValues: ['urn:gold'], maxAge: 300 }), instance.requireClaims(claimIncludes('groups', 'traders'))],
    })
    try {
      const oldLogin = await app.inject({ url: '/resource', headers: await bearer({ acr: 'urn:gold', auth_time: now() - 900, groups: ['traders'] }) })
      expect(oldLogin.statusCode).toBe(401)
      expect(oldLogin.headers['www-authenticate']).toContain('max_age="300"')
      const wrongGroup = await app.inject({ url: '/resource', headers: await bearer({ acr: 'urn:gold', auth_time: now(), groups: ['viewers'] }) })
      expect(wrongGroup.statusCode).toBe(403)
      expect(route.count).toBe(0)
      const ok = await app.inject({ url: '/resource', headers: await bearer({ acr: 'urn:gold', auth_time: now(), groups: ['traders'] }) })
      expect(ok.statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('app.requireAuthorization({ scopes, claims }) with claimCheck', async () => {
    const { app } = await protectedApp(options(), {
      hooks: (instance) => [instance.requireAuthorization({ scopes: ['payments:write'], claims: [claimCheck((claims) => claims.amount_limit === 100, 'limit too low')] })],
    })
    try {
      const refused = await app.inject({ url: '/resource', headers: await bearer({ scope: 'payments:write', amount_limit: 5 }) })
      expect(refused.statusCode).toBe(403)
      expect(refused.json()).toEqual({ error: 'insufficient_scope', error_description: 'limit too low' })
    } finally {
      await app.close()
    }
  })

  it('check their arguments when called: TypeError', async () => {
    const app = Fastify()
    await app.register(fapiGuard, options())
    try {
      expect(() => app.requireAuthentication({})).toThrow(/needs "acrValues" or "maxAge"/)
      expect(() => app.requireAuthentication({ maxAge: Number.NaN })).toThrow(TypeError)
      expect(() => app.requireClaims()).toThrow(/at least one claim requirement/)
      expect(() => app.requireAuthorization({ scopes: ['a b'] })).toThrow(/not a valid scope token/)
    } finally {
      await app.close()
    }
  })
})

describe('RFC 9728 protected resource metadata', () => {
  const identifier = 'https://api.example.test/'
  it('is served on GET metadataPath even with authenticate on the whole instance; challenges point to it', async () => {
    const app = Fastify()
    await app.register(fapiGuard, options({ resource: { identifier, name: 'Accounts API' } }))
    app.addHook('onRequest', app.authenticate)
    app.get('/resource', async () => 'ok')
    try {
      const reply = await app.inject({ url: '/.well-known/oauth-protected-resource' })
      expect(reply.statusCode).toBe(200)
      expect(reply.json()).toMatchObject({ resource: identifier, resource_name: 'Accounts API' })
      const challenge = (await app.inject({ url: '/resource' })).headers['www-authenticate']
      expect(challenge).toContain('resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"')
    } finally {
      await app.close()
    }
  })

  it('is not served without the resource option', async () => {
    const { app } = await protectedApp(options())
    try {
      expect((await app.inject({ url: '/.well-known/oauth-protected-resource' })).statusCode).toBe(404)
    } finally {
      await app.close()
    }
  })
})
