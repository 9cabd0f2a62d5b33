/**
 * fapi-guard behind a real FAPI authorization server: oidc-provider configured for the FAPI 2.0
 * Security Profile and FAPI 1.0 Advanced (`createFapiAuthorizationServer` of @fapi-guard/testing),
 * driven by openid-client through the authorization code flow — PAR, PKCE S256, JAR by value and by
 * PAR, JARM, private_key_jwt and tls_client_auth, DPoP- and certificate-bound tokens. The tokens it
 * issues go to the Express adapter over HTTPS; the scenarios are those of `npm start`.
 */
import {
  createDPoPKey,
  createDPoPProof,
  createFapiAuthorizationServer,
  createTestCertificate,
  type FapiAuthorizationServer,
  type FapiFlowStage,
  type FapiTokens,
} from '@fapi-guard/testing'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUDIENCE, callAPI, challenge, errorCode, json, proofFor, startResourceServer } from './support.js'

let fapi: FapiAuthorizationServer
let api: { origin: string; close(): Promise<void> }
const serverCertificate = createTestCertificate('localhost')
const ca = serverCertificate.cert

beforeAll(async () => {
  fapi = await createFapiAuthorizationServer({ audience: AUDIENCE })
  api = await startResourceServer(serverCertificate, {
    // Production shape: the issuer only, keys by discovery (through a fetch that trusts the AS's certificate).
    '/fapi': { issuer: fapi.issuer, audience: AUDIENCE, fetch: fapi.fetch },
    // A route that needs a scope the tokens below do not all have.
    '/payments': { issuer: fapi.issuer, audience: AUDIENCE, fetch: fapi.fetch, scopes: ['payments:write'] },
    // FAPI 1.0 Advanced resource server rules (PS256/ES256, sender-constrained).
    '/fapi1': { issuer: fapi.issuer, audience: AUDIENCE, fetch: fapi.fetch, profile: 'fapi1-advanced' },
  })
})

afterAll(async () => {
  await api?.close()
  await fapi?.close()
})

const url = (path: string) => `${api.origin}${path}`
const tls = (tokens: FapiTokens) => ({ cert: tokens.certificate.cert, key: tokens.certificate.key })

async function flow(options: Parameters<FapiAuthorizationServer['registerClient']>[0], scope = 'accounts:read'): Promise<{ tokens: FapiTokens; stages: FapiFlowStage[]; clientId: string }> {
  const client = await fapi.registerClient(options)
  const stages: FapiFlowStage[] = []
  const tokens = await client.authorize({ scope, onStage: (stage) => stages.push(stage) })
  return { tokens, stages, clientId: client.clientId }
}

describe('FAPI 2.0 Security Profile: PAR, PKCE, private_key_jwt, DPoP', () => {
  let result: Awaited<ReturnType<typeof flow>>
  beforeAll(async () => {
    result = await flow({ profile: 'fapi2', binding: 'dpop', authentication: 'private_key_jwt' }, 'accounts:read payments:write')
  })

  it('runs PAR → authorization → automatic consent → code exchange, and the token names the API and the key', () => {
    const { tokens, stages, clientId } = result
    expect(stages.map((stage) => stage.stage)).toEqual(['par', 'authorization', 'consent', 'response', 'token'])
    expect(stages[0]?.detail).toMatch(/DPoP proof \(dpop_jkt\), private_key_jwt → request_uri urn:ietf:params:oauth:request_uri:/)
    expect(stages[1]?.detail).toBe('GET /auth?request_uri&client_id') // nothing but the request_uri travels by the browser
    expect(tokens.tokenType).toBe('DPoP')
    expect(decodeProtectedHeader(tokens.accessToken)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' })
    expect(decodeJwt(tokens.accessToken)).toMatchObject({
      iss: fapi.issuer,
      aud: AUDIENCE,
      sub: 'alice',
      client_id: clientId,
      scope: 'accounts:read payments:write',
      cnf: { jkt: tokens.dpopKey?.thumbprint },
    })
  })

  it('is accepted with its proof, and refused replayed, stolen, or without its proof', async () => {
    const { tokens } = result
    const key = tokens.dpopKey
    if (key === undefined) throw new Error('no DPoP key')
    const proof = await proofFor(key, 'GET', url('/fapi/accounts'), tokens.accessToken)
    const headers = { authorization: `DPoP ${tokens.accessToken}`, dpop: proof }
    const ok = await callAPI({ url: url('/fapi/accounts'), ca, headers })
    expect(ok.status).toBe(200)
    expect(json(ok)).toMatchObject({ subject: 'alice', scopes: ['accounts:read', 'payments:write'], binding: { dpop: { jkt: key.thumbprint } } })

    const replayed = await callAPI({ url: url('/fapi/accounts'), ca, headers })
    expect([replayed.status, challenge(replayed).error]).toEqual([401, 'invalid_dpop_proof'])

    const thief = await createDPoPKey()
    const stolenProof = await createDPoPProof(thief, { method: 'GET', url: url('/fapi/accounts'), accessToken: tokens.accessToken })
    const stolen = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `DPoP ${tokens.accessToken}`, dpop: stolenProof } })
    expect([stolen.status, challenge(stolen).error]).toEqual([401, 'invalid_token'])

    const bearer = await callAPI({ url: url('/fapi/accounts'), ca, headers: { authorization: `Bearer ${tokens.accessToken}` } })
    expect([bearer.status, challenge(bearer).error]).toEqual([401, 'invalid_token'])
  })
})

describe('FAPI 2.0 Security Profile: PAR, PKCE, tls_client_auth, certificate-bound', () => {
  let result: Awaited<ReturnType<typeof flow>>
  beforeAll(async () => {
    result = await flow({ profile: 'fapi2', binding: 'mtls', authentication: 'tls_client_auth' })
  })

  it('binds the token to the certificate the client authenticated with', () => {
    const { tokens, stages } = result
    expect(tokens.tokenType).toBe('Bearer')
    expect(tokens.cnf).toEqual({ 'x5t#S256': tokens.certificate.thumbprint })
    expect(decodeJwt(tokens.accessToken).cnf).toEqual({ 'x5t#S256': tokens.certificate.thumbprint })
    expect(stages.at(-1)?.detail).toMatch(/^code exchanged with tls_client_auth over mTLS → Bearer token /)
  })

  it('is accepted with its certificate, refused with another or none, and 403 short of scope', async () => {
    const { tokens } = result
    const headers = { authorization: `Bearer ${tokens.accessToken}` }
    const ok = await callAPI({ url: url('/fapi/accounts'), ca, certificate: tls(tokens), headers })
    expect(ok.status).toBe(200)
    expect(json(ok)).toMatchObject({ binding: { mtls: { x5tS256: tokens.certificate.thumbprint } } })

    const other = createTestCertificate('another-client')
    const stolen = await callAPI({ url: url('/fapi/accounts'), ca, certificate: { cert: other.cert, key: other.key }, headers })
    expect([stolen.status, challenge(stolen).error]).toEqual([401, 'invalid_token'])

    const none = await callAPI({ url: url('/fapi/accounts'), ca, headers })
    expect([none.status, challenge(none).error]).toEqual([401, 'invalid_token'])

    const narrow = await callAPI({ url: url('/payments/accounts'), ca, certificate: tls(tokens), headers })
    expect([narrow.status, challenge(narrow).error, errorCode(narrow)]).toEqual([403, 'insufficient_scope', 'ERR_INSUFFICIENT_SCOPE'])
    expect(narrow.headers['www-authenticate']).toContain('scope="payments:write"')
  })
})

describe('FAPI 1.0 Advanced: JAR, JARM, certificate-bound', () => {
  it('by value: the signed request object in the URL, the JARM response verified, the token bound to the certificate', async () => {
    const { tokens, stages } = await flow({ profile: 'fapi1-advanced', requestObject: 'by-value', authentication: 'private_key_jwt' })
    expect(stages.map((stage) => stage.stage)).toEqual(['par', 'authorization', 'consent', 'response', 'token'])
    expect(stages[0]?.detail).toMatch(/^no PAR: the request object signed ES256/)
    expect(stages[1]?.detail).toBe('GET /auth?request&client_id')
    expect(stages[3]?.detail).toMatch(/^JARM: response JWT ES256 .* verified by openid-client$/)
    expect(tokens.cnf).toEqual({ 'x5t#S256': tokens.certificate.thumbprint })

    const headers = { authorization: `Bearer ${tokens.accessToken}` }
    for (const mount of ['/fapi', '/fapi1']) {
      const ok = await callAPI({ url: url(`${mount}/accounts`), ca, certificate: tls(tokens), headers })
      expect(ok.status, mount).toBe(200)
      const none = await callAPI({ url: url(`${mount}/accounts`), ca, headers })
      expect([none.status, challenge(none).error], mount).toEqual([401, 'invalid_token'])
    }
  })

  it('pushed: the signed request object by PAR with tls_client_auth, JARM, the token bound to the certificate', async () => {
    const { tokens, stages } = await flow({ profile: 'fapi1-advanced', requestObject: 'pushed', authentication: 'tls_client_auth' })
    expect(stages[0]?.detail).toMatch(/^pushed the request object signed ES256 .*tls_client_auth → request_uri urn:ietf:params:oauth:request_uri:/)
    expect(stages[1]?.detail).toBe('GET /auth?request_uri&client_id')
    expect(stages[3]?.detail).toMatch(/^JARM: /)
    const ok = await callAPI({ url: url('/fapi1/accounts'), ca, certificate: tls(tokens), headers: { authorization: `Bearer ${tokens.accessToken}` } })
    expect(ok.status).toBe(200)
  })

  it('FAPI 1.0 binds tokens to certificates only: a DPoP client is refused at registration', async () => {
    await expect(fapi.registerClient({ profile: 'fapi1-advanced', binding: 'dpop' })).rejects.toThrow(/not DPoP/)
  })
})

describe('what the FAPI authorization server enforces', () => {
  it('refuses a FAPI 2.0 authorization request that was not pushed (PAR required)', async () => {
    const client = await fapi.registerClient({ profile: 'fapi2' })
    const query = new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'accounts:read', redirect_uri: 'https://client.example.test/callback', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })
    const response = await fapi.fetch(`${fapi.issuer}/auth?${query}`, { redirect: 'manual' })
    // Sent back to the client (its redirect URI is registered), with the reason.
    expect(response.status).toBe(303)
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.origin + location.pathname).toBe('https://client.example.test/callback')
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('error_description')).toBe('Pushed Authorization Request must be used')
  })
})
