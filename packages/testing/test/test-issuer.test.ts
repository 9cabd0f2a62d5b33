import { createGuard, isGuardError } from '@fapi-guard/core'
import {
  createClientCertificate,
  createDPoPKey,
  createDPoPProof,
  createLocalIssuer,
  createTestCertificate,
  createTestIssuer,
  type TestIssuer,
} from '@fapi-guard/testing'
import { generateKeyPair as generateDPoPKeyPair, generateProof } from 'dpop'
import { decodeJwt, decodeProtectedHeader, exportJWK } from 'jose'
import { createHash, X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const URL_ = 'https://api.example.test/accounts'

describe('createTestIssuer', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer()
  })
  afterAll(() => issuer.close())

  const guard = () => createGuard({ issuer: issuer.issuer, audience: issuer.audience, introspection: issuer.introspectionClient })

  it('mints RFC 9068 JWTs bound to a DPoP key, and the guard finds the keys by discovery', async () => {
    const key = await createDPoPKey()
    const token = await issuer.mintAccessToken({ scope: 'accounts:read' }, { dpopKey: key })
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt')
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ iss: issuer.issuer, aud: issuer.audience, cnf: { jkt: key.thumbprint } })
    for (const claim of ['sub', 'client_id', 'iat', 'exp', 'jti']) expect(claims[claim]).toBeDefined()
    const proof = await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: token })
    const auth = await guard().verify({ method: 'GET', url: URL_, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(auth.binding.dpop?.jkt).toBe(key.thumbprint)
    expect(auth.source).toBe('jwt')
  })

  it('binds to a certificate (x5t#S256) from createClientCertificate, or from its PEM', async () => {
    const certificate = createClientCertificate()
    expect(certificate.cert).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(certificate.key).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    const x5t = createHash('sha256').update(new X509Certificate(certificate.cert).raw).digest('base64url')
    expect(certificate.thumbprint).toBe(x5t)
    expect(certificate.x5tS256).toBe(x5t)
    const fromObject = await issuer.mintAccessToken({}, { certificate })
    const fromPem = await issuer.mintAccessToken({}, { certificate: certificate.cert })
    expect(decodeJwt(fromObject).cnf).toEqual({ 'x5t#S256': x5t })
    expect(decodeJwt(fromPem).cnf).toEqual({ 'x5t#S256': x5t })
    const auth = await guard().verify({ method: 'GET', url: URL_, headers: { authorization: `Bearer ${fromObject}` }, clientCertificate: certificate.cert })
    expect(auth.binding.mtls?.x5tS256).toBe(x5t)
    const other = createTestCertificate('other')
    const refused = await guard()
      .verify({ method: 'GET', url: URL_, headers: { authorization: `Bearer ${fromObject}` }, clientCertificate: other.cert })
      .catch((error: unknown) => error)
    expect(isGuardError(refused) && refused.code).toBe('ERR_MTLS_CERTIFICATE_MISMATCH')
  })

  it('mints opaque tokens the introspection endpoint answers for, bound the same way', async () => {
    const key = await createDPoPKey()
    const token = await issuer.mintAccessToken({ scope: 'accounts:read', sub: 'alice' }, { dpopKey: key, format: 'opaque', expiresIn: 120 })
    expect(token.split('.')).toHaveLength(1)
    const proof = await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: token })
    const auth = await guard().verify({ method: 'GET', url: URL_, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(auth.source).toBe('introspection')
    expect(auth.subject).toBe('alice')
    expect(auth.binding.dpop?.jkt).toBe(key.thumbprint)
    expect(auth.claims.exp - (auth.claims.iat as number)).toBe(120)
    const last = issuer.introspections.at(-1)
    expect(last?.body.get('token')).toBe(token)
  })

  it('takes a key pair from the dpop package (a third-party client) and a public JWK as dpopKey', async () => {
    const pair = await generateDPoPKeyPair('ES256')
    const token = await issuer.mintAccessToken({}, { dpopKey: pair })
    const proof = await generateProof(pair, URL_, 'GET', undefined, token)
    const auth = await guard().verify({ method: 'GET', url: URL_, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(auth.binding.dpop).toBeDefined()
    const jwk = await exportJWK(pair.publicKey)
    expect(decodeJwt(await issuer.mintAccessToken({}, { dpopKey: jwk })).cnf).toEqual({ jkt: auth.binding.dpop?.jkt })
  })

  it('merges a binding into cnf the claims already have, and removes defaults given as undefined', async () => {
    const key = await createDPoPKey()
    const token = await issuer.mintAccessToken({ cnf: { 'x5t#S256': 'abc' }, sub: undefined }, { dpopKey: key })
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': 'abc', jkt: key.thumbprint })
    expect(decodeJwt(token).sub).toBeUndefined()
  })

  it('refuses what it cannot bind to', async () => {
    const privateJwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }
    await expect(issuer.mintAccessToken({}, { dpopKey: privateJwk })).rejects.toThrow(TypeError)
    await expect(issuer.mintAccessToken({}, { format: 'paseto' as 'jwt' })).rejects.toThrow(TypeError)
  })

  it('keeps the introspection client it was given', async () => {
    const other = await createTestIssuer({ introspectionClient: { clientId: 'mine', clientSecret: 's3cret' } })
    try {
      expect(other.introspectionClient).toEqual({ clientId: 'mine', clientSecret: 's3cret' })
    } finally {
      await other.close()
    }
  })
})

describe('createDPoPProof', () => {
  it('takes the key first or among the options, with the same result', async () => {
    const key = await createDPoPKey()
    const positional = decodeJwt(await createDPoPProof(key, { method: 'POST', url: `${URL_}?x=1`, accessToken: 't', nonce: 'n', jti: 'j', iat: 1 }))
    const options = decodeJwt(await createDPoPProof({ key, method: 'POST', url: `${URL_}?x=1`, accessToken: 't', nonce: 'n', jti: 'j', iat: 1 }))
    expect(positional).toEqual(options)
    expect(positional).toMatchObject({ htm: 'POST', htu: URL_, nonce: 'n', jti: 'j', iat: 1 })
  })

  it('refuses a call without a key', async () => {
    await expect(createDPoPProof(undefined as never)).rejects.toThrow(TypeError)
  })
})

describe('createLocalIssuer', () => {
  it('is still there, for the tests that need its knobs', async () => {
    const issuer = await createLocalIssuer()
    try {
      expect(typeof issuer.mint).toBe('function')
    } finally {
      await issuer.close()
    }
  })
})
