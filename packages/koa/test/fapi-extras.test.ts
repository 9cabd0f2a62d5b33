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

// Issue 10 on Koa: what the requirement middleware takes, requireAuthorization(), and where the guard serves
// the RFC 9728 metadata. The answers to step-up, claims, metadata and x-fapi-interaction-id are the contract table's.

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

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

  it('serves the RFC 9728 metadata on GET; a POST at its path is guarded like any request', async () => {
    const { route, server } = await start([guard(options({ resource: { identifier: IDENTIFIER } }))])
    try {
      expect((await send(`${server.origin}${METADATA_PATH}`)).status).toBe(200)
      const post = await send(`${server.origin}${METADATA_PATH}`, { method: 'POST' })
      expect(post.status).toBe(401)
      expect(post.json()).toEqual({ error: 'unauthorized' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })
})
