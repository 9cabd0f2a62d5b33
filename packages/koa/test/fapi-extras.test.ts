import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import {
  claimCheck,
  claimEquals,
  claimIncludes,
  guard,
  requireAuthentication,
  requireAuthorization,
  requireClaims,
  requireScopes,
  type KoaGuardOptions,
} from '@fapi-guard/koa'
import type { Middleware } from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
import { send, serve } from './support/http.js'

// Issue 10 on Koa: step-up (RFC 9470), claim requirements, RFC 9728 metadata, x-fapi-interaction-id.

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const IDENTIFIER = 'https://api.example.test/accounts'
const METADATA_PATH = '/.well-known/oauth-protected-resource/accounts'

describe('require*() arguments (core checkRequirements, when the middleware is made)', () => {
  it('refuses what the core refuses, with a TypeError', () => {
    expect(() => requireScopes()).toThrow(/at least one scope/)
    expect(() => requireAuthentication({})).toThrow(/needs "acrValues" or "maxAge"/)
    expect(() => requireAuthentication({ acrValues: [] })).toThrow(TypeError)
    expect(() => requireAuthentication({ maxAge: -1 })).toThrow(/maxAge/)
    expect(() => requireAuthentication({ maxAge: 1.5 })).toThrow(TypeError)
    expect(() => requireClaims()).toThrow(/at least one claim requirement/)
    expect(() => requireClaims({ check: 'no' } as never)).toThrow(TypeError)
    expect(() => requireAuthorization({ scopes: ['two words'] })).toThrow(/not a valid scope token/)
    expect(() => requireAuthorization(null as never)).toThrow(TypeError)
  })

  it('re-exports the core claim helpers', () => {
    expect(claimEquals('tenant', 'acme').check({ tenant: 'acme' })).toBe(true)
    expect(claimIncludes('groups', 'a', 'b').check({ groups: ['b', 'a'] })).toBe(true)
    expect(claimCheck(() => false).check({})).toBe(false)
  })
})

describe.each(koaVersions)('issue 10 extras on $name', ({ Koa }) => {
  const options = (extra: Partial<KoaGuardOptions> = {}): KoaGuardOptions => ({
    issuer: issuer.issuer,
    audience: issuer.audience,
    profile: 'oauth2',
    ...extra,
  })

  async function start(chain: Middleware[]) {
    const { app, route } = protectedApp(Koa, chain)
    app.silent = true
    const server = await serve(app.callback())
    return { route, server, url: `${server.origin}/resource` }
  }
  const bearer = async (claims: Record<string, unknown> = {}) => ({ authorization: `Bearer ${await issuer.mint(claims)}` })
  const now = () => Math.floor(Date.now() / 1000)

  it('requireAuthentication({ acrValues }): another acr → 401 insufficient_user_authentication with acr_values', async () => {
    const { route, server, url } = await start([guard(options()), requireAuthentication({ acrValues: ['urn:gold', 'urn:platinum'] })])
    try {
      const refused = await send(url, { headers: await bearer({ acr: 'urn:silver' }) })
      expect(refused.status).toBe(401)
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:gold urn:platinum"/)
      expect(refused.json()).toEqual({ error: 'insufficient_user_authentication', error_description: expect.any(String) })
      expect(route.count).toBe(0)
      const accepted = await send(url, { headers: await bearer({ acr: 'urn:platinum' }) })
      expect(accepted.status).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('requireAuthentication({ maxAge }): an old auth_time → 401 with max_age; a recent one passes', async () => {
    const { route, server, url } = await start([guard(options()), requireAuthentication({ maxAge: 300 })])
    try {
      const refused = await send(url, { headers: await bearer({ auth_time: now() - 3600 }) })
      expect(refused.status).toBe(401)
      expect(refused.headers['www-authenticate']).toContain('error="insufficient_user_authentication"')
      expect(refused.headers['www-authenticate']).toContain('max_age="300"')
      expect(route.count).toBe(0)
      expect((await send(url, { headers: await bearer({ auth_time: now() - 10 }) })).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('requireClaims(...): a failing claim → 403 insufficient_scope naming the claim', async () => {
    const { route, server, url } = await start([guard(options()), requireClaims(claimEquals('tenant', 'acme'), claimIncludes('groups', 'traders'))])
    try {
      const refused = await send(url, { headers: await bearer({ tenant: 'acme', groups: ['viewers'] }) })
      expect(refused.status).toBe(403)
      expect(refused.headers['www-authenticate']).toContain('error="insufficient_scope"')
      expect(refused.json()).toEqual({ error: 'insufficient_scope', error_description: 'the "groups" claim does not include every required value' })
      expect(route.count).toBe(0)
      expect((await send(url, { headers: await bearer({ tenant: 'acme', groups: ['traders'] }) })).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('requireAuthorization({ scopes, acrValues }): a missing scope and a wrong acr → 401 naming both (RFC 9470 §3)', async () => {
    const { server, url } = await start([guard(options()), requireAuthorization({ scopes: ['payments:write'], acrValues: ['urn:gold'] })])
    try {
      const refused = await send(url, { headers: await bearer({ scope: 'accounts:read', acr: 'urn:silver' }) })
      expect(refused.status).toBe(401)
      expect(refused.headers['www-authenticate']).toContain('scope="payments:write"')
      expect(refused.headers['www-authenticate']).toContain('acr_values="urn:gold"')
    } finally {
      await server.close()
    }
  })

  it('passthrough: a request without credentials gets the 401 challenge from requireClaims()', async () => {
    const { route, server, url } = await start([guard({ ...options(), passthrough: true }), requireClaims(claimEquals('tenant', 'acme'))])
    try {
      const refused = await send(url)
      expect(refused.status).toBe(401)
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="api", DPoP algs="[^"]+"$/)
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('serves the RFC 9728 metadata on GET metadataPath, before credentials; challenges carry resource_metadata', async () => {
    const { route, server, url } = await start([guard(options({ resource: { identifier: IDENTIFIER, scopes: ['accounts:read'] } }))])
    try {
      const metadata = await send(`${server.origin}${METADATA_PATH}?x=1`)
      expect(metadata.status).toBe(200)
      expect(metadata.headers['cache-control']).toBe('public, max-age=3600')
      expect(metadata.headers['content-type']).toMatch(/^application\/json/)
      expect(metadata.json()).toEqual({
        resource: IDENTIFIER,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['accounts:read'],
        bearer_methods_supported: ['header'],
        dpop_signing_alg_values_supported: expect.arrayContaining(['ES256', 'PS256']),
        dpop_bound_access_tokens_required: false,
        tls_client_certificate_bound_access_tokens: true,
      })
      expect(route.count).toBe(0)
      const post = await send(`${server.origin}${METADATA_PATH}`, { method: 'POST' })
      expect(post.status).toBe(401)
      const challenge = (await send(url)).headers['www-authenticate']
      expect(challenge).toContain(`resource_metadata="https://api.example.test${METADATA_PATH}"`)
    } finally {
      await server.close()
    }
  })

  it('interactionId: true → x-fapi-interaction-id echoed on success (with the other responseHeaders) and on every refusal', async () => {
    const { server, url } = await start([guard(options({ interactionId: true })), requireScopes('accounts:read')])
    try {
      const id = 'c0ffee00-1234-4abc-8def-000000000001'
      const ok = await send(url, { headers: { ...(await bearer({ scope: 'accounts:read' })), 'x-fapi-interaction-id': id } })
      expect(ok.status).toBe(200)
      expect(ok.headers['x-fapi-interaction-id']).toBe(id)
      const noToken = await send(url, { headers: { 'x-fapi-interaction-id': id } })
      expect(noToken.status).toBe(401)
      expect(noToken.headers['x-fapi-interaction-id']).toBe(id)
      const noScope = await send(url, { headers: { ...(await bearer({ scope: 'openid' })), 'x-fapi-interaction-id': id } })
      expect(noScope.status).toBe(403)
      expect(noScope.headers['x-fapi-interaction-id']).toBe(id)
      const generated = await send(url)
      expect(generated.headers['x-fapi-interaction-id']).toMatch(UUID)
    } finally {
      await server.close()
    }
  })
})
