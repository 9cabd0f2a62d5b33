/**
 * Signature algorithms across implementations: access tokens signed by oidc-provider with each
 * algorithm FAPI 2.0 allows, and DPoP proofs made by the `dpop` package with each key type it offers.
 */
import { createTestCertificate } from '@fapi-guard/testing'
import { generateKeyPair, type JWSAlgorithm } from 'dpop'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAuthorizationServer, type AccessTokenAlgorithm, type AuthorizationServer } from '../../examples/express/src/authorization-server.js'
import { AUDIENCE, challenge, errorCode, getWithDPoP, requestToken, startResourceServer } from './support.js'

const serverCertificate = createTestCertificate('localhost')
const clientCertificate = createTestCertificate('client')
const ca = serverCertificate.cert

async function withAuthorizationServer<T>(accessTokenAlgorithm: AccessTokenAlgorithm, use: (as: AuthorizationServer, origin: string) => Promise<T>): Promise<T> {
  const as = await startAuthorizationServer({ audience: AUDIENCE, clientCertificate, accessTokenAlgorithm })
  const api = await startResourceServer(serverCertificate, { '/api': { issuer: as.issuer, audience: AUDIENCE } })
  try {
    return await use(as, api.origin)
  } finally {
    await api.close()
    await as.close()
  }
}

async function dpopRoundTrip(as: AuthorizationServer, origin: string, proofAlgorithm: JWSAlgorithm) {
  const key = await generateKeyPair(proofAlgorithm)
  const issued = await requestToken({ tokenEndpoint: as.tokenEndpoint, client: as.clients.dpop, scope: 'accounts:read', resource: AUDIENCE, dpopKey: key })
  const response = await getWithDPoP(`${origin}/api/accounts`, ca, issued.access_token, key)
  return { token: issued.access_token, response }
}

describe('access tokens signed by oidc-provider', () => {
  it.each(['ES256', 'PS256', 'EdDSA'] as const)('%s → accepted (keys by discovery)', async (alg) => {
    await withAuthorizationServer(alg, async (as, origin) => {
      const { token, response } = await dpopRoundTrip(as, origin, 'ES256')
      expect(decodeProtectedHeader(token).alg).toBe(alg)
      expect(response.status).toBe(200)
    })
  })

  // RFC 9864 names EdDSA-with-Ed25519 "Ed25519"; oidc-provider signs with it when configured so.
  it('Ed25519 (RFC 9864) → accepted', async () => {
    await withAuthorizationServer('Ed25519', async (as, origin) => {
      const { token, response } = await dpopRoundTrip(as, origin, 'ES256')
      expect(decodeProtectedHeader(token).alg).toBe('Ed25519')
      expect(response.status).toBe(200)
    })
  })
})

describe('DPoP proofs made by the dpop package', () => {
  let as: AuthorizationServer
  let api: { origin: string; close(): Promise<void> }
  beforeAll(async () => {
    as = await startAuthorizationServer({ audience: AUDIENCE, clientCertificate })
    api = await startResourceServer(serverCertificate, { '/api': { issuer: as.issuer, audience: AUDIENCE } })
  })
  afterAll(async () => {
    await api?.close()
    await as?.close()
  })

  it.each(['ES256', 'PS256'] as const)('%s → accepted', async (alg) => {
    const { response } = await dpopRoundTrip(as, api.origin, alg)
    expect(response.status).toBe(200)
  })

  it('RS256 → refused under FAPI 2.0 (invalid_dpop_proof), before the key binding is looked at', async () => {
    const key = await generateKeyPair('ES256')
    const issued = await requestToken({ tokenEndpoint: as.tokenEndpoint, client: as.clients.dpop, scope: 'accounts:read', resource: AUDIENCE, dpopKey: key })
    const response = await getWithDPoP(`${api.origin}/api/accounts`, ca, issued.access_token, await generateKeyPair('RS256'))
    expect(response.status).toBe(401)
    expect(challenge(response)).toEqual({ scheme: 'DPoP', error: 'invalid_dpop_proof' })
    expect(errorCode(response)).toBe('ERR_DPOP_ALG_NOT_ALLOWED')
  })

  // The dpop package signs Ed25519 proofs with `alg: "Ed25519"` (RFC 9864; it has no "EdDSA" option).
  it('Ed25519 → accepted', async () => {
    const { response } = await dpopRoundTrip(as, api.origin, 'Ed25519')
    expect(response.status).toBe(200)
  })
})
