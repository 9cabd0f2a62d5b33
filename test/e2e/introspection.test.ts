/**
 * Opaque tokens from oidc-provider, introspected by the guard (RFC 7662), with the resource server
 * authenticating by `client_secret_basic` and by `private_key_jwt`, JSON and RFC 9701 JWT answers,
 * the introspection cache, and revocation at the authorization server (RFC 7009).
 */
import type { GuardOptions } from '@fapi-guard/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AUDIENCE,
  callAPI,
  challenge,
  dpopKey,
  errorCode,
  getWithDPoP,
  idTokenFor,
  json,
  refreshTokenFor,
  revokeToken,
  startResourceServer,
  startWorld,
  TestClock,
  tokenFor,
  type World,
} from './support.js'

const INTROSPECTION = '/token/introspection'
const TTL = 60

let world: World
let api: { origin: string; close(): Promise<void> }
let ca: string
const clock = new TestClock()

// RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64; a secret with
// spaces, colons, plus signs and percent signs (all VSCHAR, RFC 6749 Appendix A) checks both sides agree.
const SECRET = 'a secret: with + / % & = ~ "quotes" and spaces'

beforeAll(async () => {
  world = await startWorld({ resourceServerSecret: SECRET })
  const { as } = world
  const basic = as.clients.resourceServer
  const jwt = as.clients.resourceServerJwt
  const base = { issuer: as.issuer, audience: AUDIENCE, clock: clock.now }
  const mounts: Record<string, GuardOptions> = {
    '/basic-json': { ...base, introspection: { ...basic, cache: { ttl: TTL } } },
    '/basic-jwt': { ...base, introspection: { ...basic, responseFormat: 'jwt' } },
    '/pkjwt-json': { ...base, introspection: { clientId: jwt.clientId, authMethod: 'private_key_jwt', privateKey: jwt.privateKey } },
    '/pkjwt-jwt': { ...base, introspection: { clientId: jwt.clientId, authMethod: 'private_key_jwt', privateKey: jwt.privateKey, responseFormat: 'jwt' } },
    '/wrong-secret': { ...base, introspection: { clientId: basic.clientId, clientSecret: 'not-the-secret' } },
    '/all-tokens': { ...base, introspection: { ...basic, tokens: 'all' } },
    // Unbound bearer tokens accepted (oauth2 profile): where an active refresh token used to get through.
    '/oauth2': { ...base, profile: 'oauth2', introspection: { ...basic, cache: false } },
    '/no-aud-required': { ...base, introspection: { ...basic, cache: false, requireAudience: false } },
    '/no-introspection': base,
  }
  api = await startResourceServer(world.serverCertificate, mounts)
  ca = world.serverCertificate.cert
})

afterAll(async () => {
  await api?.close()
  await world?.as.close()
})

const url = (path: string) => `${api.origin}${path}`
const introspections = () => world.as.hits.get(INTROSPECTION) ?? 0

describe('introspection at oidc-provider', () => {
  it.each(['/basic-json', '/basic-jwt', '/pkjwt-json', '/pkjwt-jwt'])('%s: an opaque DPoP-bound token is introspected and accepted', async (mount) => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'opaque', { dpopKey: key })
    const before = introspections()
    const response = await getWithDPoP(url(`${mount}/accounts`), ca, token, key)
    expect(response.status).toBe(200)
    expect(json(response)).toMatchObject({ source: 'introspection', clientId: 'opaque-client', binding: { dpop: { jkt: key.jkt } } })
    expect(introspections()).toBe(before + 1)
  })

  it('the API authenticated with a secret full of special characters', () => {
    expect(world.as.clients.resourceServer.clientSecret).toBe(SECRET)
  })

  it('an unbound opaque token is refused under fapi2 after introspection (not sender-constrained)', async () => {
    const { token } = await tokenFor(world, 'opaque')
    const response = await callAPI({ url: url('/basic-json/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(401)
    expect(errorCode(response)).toBe('ERR_TOKEN_NOT_SENDER_CONSTRAINED')
  })

  it('a token the authorization server never issued is inactive → 401 invalid_token', async () => {
    const key = await dpopKey()
    const response = await getWithDPoP(url('/basic-json/accounts'), ca, 'not-a-token-oidc-provider-issued', key)
    expect(response.status).toBe(401)
    expect(challenge(response).error).toBe('invalid_token')
    expect(errorCode(response)).toBe('ERR_TOKEN_INACTIVE')
  })

  it('the authorization server refusing our credentials fails closed → 503', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'opaque', { dpopKey: key })
    const response = await getWithDPoP(url('/wrong-secret/accounts'), ca, token, key)
    expect(response.status).toBe(503)
    expect(errorCode(response)).toBe('ERR_INTROSPECTION_UNAVAILABLE')
    expect(response.headers['retry-after']).toBeDefined()
  })

  it('without introspection configured, an opaque token is malformed → 401', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'opaque', { dpopKey: key })
    const response = await getWithDPoP(url('/no-introspection/accounts'), ca, token, key)
    expect(response.status).toBe(401)
    expect(errorCode(response)).toBe('ERR_TOKEN_MALFORMED')
  })

  it('tokens: "all" cannot work with oidc-provider, which refuses to introspect JWTs: fails closed → 503', async () => {
    // oidc-provider answers 400 unsupported_token_type for structured (JWT) tokens at its
    // introspection endpoint; the guard must refuse, never fall back to accepting.
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const response = await getWithDPoP(url('/all-tokens/accounts'), ca, token, key)
    expect(response.status).toBe(503)
    expect(errorCode(response)).toBe('ERR_INTROSPECTION_UNAVAILABLE')
  })
})

describe('INTRO-10/11 only access tokens for this API pass introspection', () => {
  it('INTRO-10 oidc-provider\'s refresh token (active, no "aud", no "token_type") is refused on every mount that introspects, with either scheme', async () => {
    const token = await refreshTokenFor(world)
    for (const mount of ['/oauth2', '/basic-json', '/basic-jwt', '/pkjwt-json', '/pkjwt-jwt']) {
      const before = introspections()
      const bearer = await callAPI({ url: url(`${mount}/accounts`), ca, headers: { authorization: `Bearer ${token}` } })
      expect(bearer.status, mount).toBe(401)
      expect(challenge(bearer).error).toBe('invalid_token')
      expect(errorCode(bearer), mount).toBe('ERR_INTROSPECTION_CLAIM_INVALID')
      const key = await dpopKey()
      const dpop = await getWithDPoP(url(`${mount}/accounts`), ca, token, key)
      expect(dpop.status, mount).toBe(401)
      expect(errorCode(dpop), mount).toBe('ERR_INTROSPECTION_CLAIM_INVALID')
      // Asked (the AS calls it active), then refused on its answer.
      expect(introspections()).toBeGreaterThan(before)
    }
  })

  it('INTRO-10 oidc-provider\'s ID token (even one naming the API in "aud") is refused, and never introspected', async () => {
    const token = await idTokenFor(world)
    const before = introspections()
    for (const mount of ['/oauth2', '/basic-json', '/all-tokens', '/no-introspection']) {
      const response = await callAPI({ url: url(`${mount}/accounts`), ca, headers: { authorization: `Bearer ${token}` } })
      expect(response.status, mount).toBe(401)
      expect(challenge(response).error).toBe('invalid_token')
    }
    expect(introspections()).toBe(before)
  })

  it('INTRO-10 its access tokens (resource indicator: "aud" is the API) still pass; with requireAudience off too', async () => {
    for (const mount of ['/basic-json', '/no-aud-required']) {
      const key = await dpopKey()
      const { token } = await tokenFor(world, 'opaque', { dpopKey: key })
      const response = await getWithDPoP(url(`${mount}/accounts`), ca, token, key)
      expect(response.status, mount).toBe(200)
      expect(json(response)).toMatchObject({ source: 'introspection', clientId: 'opaque-client' })
    }
  })
})

describe('cache and revocation', () => {
  it('introspects once, serves from the cache, keeps a revoked token while cached, refuses it once the entry is gone', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'opaque', { dpopKey: key })
    const target = url('/basic-json/accounts')
    const start = introspections()

    expect((await getWithDPoP(target, ca, token, key)).status).toBe(200)
    expect(introspections()).toBe(start + 1)
    for (let i = 0; i < 3; i += 1) expect((await getWithDPoP(target, ca, token, key)).status).toBe(200)
    expect(introspections()).toBe(start + 1)

    await revokeToken(world.as.revocationEndpoint, world.as.clients.opaque, token)
    // Still cached: accepted without asking (the price of the cache, bounded by its ttl).
    expect((await getWithDPoP(target, ca, token, key)).status).toBe(200)
    expect(introspections()).toBe(start + 1)

    clock.skew = (TTL + 1) * 1000
    try {
      const refused = await getWithDPoP(target, ca, token, key)
      expect(refused.status).toBe(401)
      expect(challenge(refused).error).toBe('invalid_token')
      expect(errorCode(refused)).toBe('ERR_TOKEN_INACTIVE')
      expect(introspections()).toBe(start + 2)
      // The inactive answer is cached too (negative ttl): no call for the next attempt.
      expect((await getWithDPoP(target, ca, token, key)).status).toBe(401)
      expect(introspections()).toBe(start + 2)
    } finally {
      clock.skew = 0
    }
  })

  it('a JWT revoked at the authorization server: oidc-provider refuses to revoke JWTs (400), so short lifetimes it is', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    await expect(revokeToken(world.as.revocationEndpoint, world.as.clients.dpop, token)).rejects.toThrow(/unsupported_token_type/)
  })
})
