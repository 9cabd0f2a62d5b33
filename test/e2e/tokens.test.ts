/**
 * fapi-guard against oidc-provider (a certified FAPI 2.0 authorization server) and the `dpop`
 * package (a DPoP client implementation fapi-guard did not write): every token kind the AS issues by
 * `client_credentials` is accepted through the Express adapter over real HTTPS, and every broken
 * binding is refused with the challenge RFC 6750 / RFC 9449 / RFC 8705 call for.
 */
import { generateProof } from 'dpop'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AUDIENCE,
  callAPI,
  challenge,
  dpopKey,
  errorCode,
  getWithDPoP,
  json,
  proofFor,
  startResourceServer,
  startWorld,
  tokenFor,
  type World,
} from './support.js'

let world: World
let api: { origin: string; close(): Promise<void> }
let ca: string

beforeAll(async () => {
  world = await startWorld()
  const { as } = world
  const introspection = as.clients.resourceServer
  api = await startResourceServer(world.serverCertificate, {
    // Production shape: issuer only (keys by discovery), FAPI 2.0 profile, opaque tokens introspected.
    '/fapi': { issuer: as.issuer, audience: AUDIENCE, introspection },
    // Plain OAuth 2.0: unbound tokens too.
    '/oauth2': { issuer: as.issuer, audience: AUDIENCE, profile: 'oauth2', introspection },
    // Server nonces on DPoP proofs (RFC 9449 §9).
    '/nonce': { issuer: as.issuer, audience: AUDIENCE, dpop: { nonce: { secret: 'a-secret-of-at-least-32-bytes-for-nonces' } } },
    // An API the tokens are not for.
    '/other': { issuer: as.issuer, audience: 'https://other.example.test', profile: 'oauth2' },
  })
  ca = world.serverCertificate.cert
})

afterAll(async () => {
  await api?.close()
  await world?.as.close()
})

const url = (path: string) => `${api.origin}${path}`

describe('what oidc-provider issues', () => {
  it('signs JWT access tokens as RFC 9068 says, for the API named by the resource indicator', async () => {
    const key = await dpopKey()
    const { token, tokenType } = await tokenFor(world, 'dpop', { dpopKey: key })
    expect(tokenType).toBe('DPoP')
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' })
    expect(decodeJwt(token)).toMatchObject({ iss: world.as.issuer, aud: AUDIENCE, client_id: 'dpop-client', sub: 'dpop-client', cnf: { jkt: key.jkt } })
    const mtls = await tokenFor(world, 'mtls')
    expect(decodeJwt(mtls.token).cnf).toEqual({ 'x5t#S256': world.clientCertificate.thumbprint })
  })

  it('makes the client do its DPoP nonce dance at the token endpoint', async () => {
    const { nonceChallenges } = await tokenFor(world, 'dpop', { dpopKey: await dpopKey() })
    expect(nonceChallenges).toBe(1)
  })
})

describe('each token kind is accepted', () => {
  it('DPoP-bound JWT with a proof by the dpop package', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key, scope: 'accounts:read payments:write' })
    const response = await getWithDPoP(url('/fapi/accounts'), ca, token, key)
    expect(response.status).toBe(200)
    expect(json(response)).toEqual({
      source: 'jwt',
      clientId: 'dpop-client',
      subject: 'dpop-client',
      scopes: ['accounts:read', 'payments:write'],
      binding: { dpop: { jkt: key.jkt } },
    })
  })

  it('DPoP-bound JWT on POST with a query string (htu leaves the query out)', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const target = url('/fapi/accounts?page=2&sort=asc')
    const response = await callAPI({ url: target, method: 'POST', ca, headers: { authorization: `DPoP ${token}`, dpop: await proofFor(key, 'POST', target, token) } })
    expect(response.status).toBe(200)
  })

  it('certificate-bound JWT over TLS with its client certificate', async () => {
    const { token } = await tokenFor(world, 'mtls')
    const response = await callAPI({ url: url('/fapi/accounts'), ca, certificate: world.clientCertificate, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    expect(json(response)).toMatchObject({ source: 'jwt', clientId: 'mtls-client', binding: { mtls: { x5tS256: world.clientCertificate.thumbprint } } })
  })

  it('plain JWT under the oauth2 profile; refused as not sender-constrained under fapi2', async () => {
    const { token } = await tokenFor(world, 'bearer')
    const accepted = await callAPI({ url: url('/oauth2/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(accepted.status).toBe(200)
    expect(json(accepted)).toMatchObject({ source: 'jwt', clientId: 'bearer-client', binding: {} })
    const refused = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(refused.status).toBe(401)
    expect(challenge(refused)).toEqual({ scheme: 'Bearer', error: 'invalid_token' })
    expect(errorCode(refused)).toBe('ERR_TOKEN_NOT_SENDER_CONSTRAINED')
  })

  it('opaque token, DPoP-bound, introspected: the binding comes from the introspection answer', async () => {
    const key = await dpopKey()
    const { token, tokenType } = await tokenFor(world, 'opaque', { dpopKey: key })
    expect(tokenType).toBe('DPoP')
    expect(token.includes('.')).toBe(false)
    const response = await getWithDPoP(url('/fapi/accounts'), ca, token, key)
    expect(response.status).toBe(200)
    expect(json(response)).toMatchObject({ source: 'introspection', clientId: 'opaque-client', scopes: ['accounts:read'], binding: { dpop: { jkt: key.jkt } } })
    // Bound by introspection's cnf, so as Bearer it is refused like a DPoP-bound JWT.
    const asBearer = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(asBearer.status).toBe(401)
    expect(errorCode(asBearer)).toBe('ERR_DPOP_BINDING_SCHEME_MISMATCH')
  })

  it('opaque token, unbound, under the oauth2 profile', async () => {
    const { token } = await tokenFor(world, 'opaque')
    const response = await callAPI({ url: url('/oauth2/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    expect(json(response)).toMatchObject({ source: 'introspection', binding: {} })
  })
})

describe('every binding violated is refused with the right challenge', () => {
  it('DPoP-bound token sent as Bearer → 401 invalid_token in the Bearer challenge', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const response = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'Bearer', error: 'invalid_token' })
    expect(errorCode(response)).toBe('ERR_DPOP_BINDING_SCHEME_MISMATCH')
  })

  it('DPoP scheme without a proof → 401 invalid_dpop_proof in the DPoP challenge', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const response = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `DPoP ${token}` } })
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'DPoP', error: 'invalid_dpop_proof' })
    expect(errorCode(response)).toBe('ERR_DPOP_PROOF_MISSING')
  })

  it('proof for another URL → 401 invalid_dpop_proof', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const proof = await proofFor(key, 'GET', url('/oauth2/accounts'), token)
    const response = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'DPoP', error: 'invalid_dpop_proof' })
    expect(errorCode(response)).toBe('ERR_DPOP_HTU_MISMATCH')
  })

  it('the proof the client sent to the token endpoint, replayed at the API → 401 invalid_dpop_proof', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const proof = await generateProof(key, world.as.tokenEndpoint, 'POST')
    const response = await callAPI({ url: url('/fapi/accounts'), method: 'POST', ca, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(response.status).toBe(401)
    expect(challenge(response).error).toBe('invalid_dpop_proof')
  })

  it('proof for another method → 401 invalid_dpop_proof', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const proof = await proofFor(key, 'POST', url('/fapi/accounts'), token)
    const response = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'DPoP', error: 'invalid_dpop_proof' })
    expect(errorCode(response)).toBe('ERR_DPOP_HTM_MISMATCH')
  })

  it('proof for another token (ath) → 401 invalid_dpop_proof', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const { token: second } = await tokenFor(world, 'dpop', { dpopKey: key })
    const proof = await proofFor(key, 'GET', url('/fapi/accounts'), second)
    const response = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(response.status).toBe(401)
    expect(challenge(response).error).toBe('invalid_dpop_proof')
    expect(errorCode(response)).toBe('ERR_DPOP_ATH_MISMATCH')
  })

  it('proof by another key (a thief with the token) → 401 invalid_token', async () => {
    const key = await dpopKey()
    const thief = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const response = await getWithDPoP(url('/fapi/accounts'), ca, token, thief)
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'DPoP', error: 'invalid_token' })
    expect(errorCode(response)).toBe('ERR_DPOP_KEY_MISMATCH')
  })

  it('certificate-bound token with another client certificate → 401 invalid_token', async () => {
    const { token } = await tokenFor(world, 'mtls')
    const response = await callAPI({ url: url('/fapi/accounts'), ca, certificate: world.otherCertificate, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'Bearer', error: 'invalid_token' })
    expect(errorCode(response)).toBe('ERR_MTLS_CERTIFICATE_MISMATCH')
  })

  it('certificate-bound token with no client certificate → 401 invalid_token', async () => {
    const { token } = await tokenFor(world, 'mtls')
    const response = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'Bearer', error: 'invalid_token' })
    expect(errorCode(response)).toBe('ERR_MTLS_CERTIFICATE_MISSING')
  })

  it('certificate-bound token under the oauth2 profile still needs its certificate', async () => {
    const { token } = await tokenFor(world, 'mtls')
    const response = await callAPI({ url: url('/oauth2/accounts'), ca, certificate: world.otherCertificate, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(401)
    expect(errorCode(response)).toBe('ERR_MTLS_CERTIFICATE_MISMATCH')
  })

  it('a token for another API → 401 invalid_token', async () => {
    const { token } = await tokenFor(world, 'bearer')
    const response = await callAPI({ url: url('/other/accounts'), ca, headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(401)
    expect(errorCode(response)).toBe('ERR_JWT_AUDIENCE_INVALID')
  })
})

describe('replay and server nonces', () => {
  it('the same proof twice → 200, then 401 invalid_dpop_proof', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const proof = await proofFor(key, 'GET', url('/fapi/accounts'), token)
    const headers = { authorization: `DPoP ${token}`, dpop: proof }
    expect((await callAPI({ url: url('/fapi/accounts'), ca, headers })).status).toBe(200)
    const replayed = await callAPI({ url: url('/fapi/accounts'), ca, headers })
    expect(replayed.status).toBe(401)
    expect(challenge(replayed)).toEqual({ scheme: 'DPoP', error: 'invalid_dpop_proof' })
    expect(errorCode(replayed)).toBe('ERR_DPOP_PROOF_REPLAYED')
  })

  it('a proof without the API nonce → 401 use_dpop_nonce with DPoP-Nonce; the dpop package retries with it → 200', async () => {
    const key = await dpopKey()
    const { token } = await tokenFor(world, 'dpop', { dpopKey: key })
    const first = await getWithDPoP(url('/nonce/accounts'), ca, token, key)
    expect(first.status).toBe(401)
    expect(challenge(first)).toEqual({ scheme: 'DPoP', error: 'use_dpop_nonce' })
    const nonce = first.headers['dpop-nonce']
    expect(typeof nonce).toBe('string')
    const retry = await getWithDPoP(url('/nonce/accounts'), ca, token, key, nonce as string)
    expect(retry.status).toBe(200)
    // The authorization server's nonce is not the API's: each issues its own (RFC 9449 §8, §9).
    const { clientId, clientSecret } = world.as.clients.dpop
    const asChallenge = await fetch(world.as.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        dpop: await generateProof(key, world.as.tokenEndpoint, 'POST'),
      },
      body: 'grant_type=client_credentials&scope=accounts%3Aread',
    })
    expect(asChallenge.status).toBe(400)
    expect(((await asChallenge.json()) as { error: string }).error).toBe('use_dpop_nonce')
    const foreign = asChallenge.headers.get('dpop-nonce')
    expect(foreign).not.toBeNull()
    const refused = await getWithDPoP(url('/nonce/accounts'), ca, token, key, foreign as string)
    expect(refused.status).toBe(401)
    expect(errorCode(refused)).toBe('ERR_DPOP_NONCE_INVALID')
  })
})
