/**
 * Certificate-bound access tokens (RFC 8705 §3): the thumbprint, how it is compared, where the
 * certificate comes from, and how the binding meets the profile and the DPoP binding.
 * standards.md §5 (MTLS-*), attacks.md group D.
 */
import { X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDPoPKey,
  createDPoPProof,
  createLocalIssuer,
  createTestCertificate,
  type DPoPKey,
  type LocalIssuer,
  type TestCertificate,
} from '@fapi-guard/testing'
import { certificateThumbprint, verifyCertificateBinding, type CertificateRules } from '../../src/binding/verify-certificate-binding.js'
import { readCertificateDER } from '../../src/request/read-certificate-der.js'
import { webCryptoBackend, type CryptoBackend } from '../../src/keys/crypto-backend.js'
import { nodeCryptoBackend } from '../../src/node/node-crypto-backend.js'
import { createGuard } from '../../src/node/index.js'
import {
  FIXTURE_PEM,
  FIXTURE_THUMBPRINT,
  RFC8705_EXAMPLE_THUMBPRINT,
  base64urlSHA256,
  certificateBoundToken,
  hexSHA256,
  mtlsOptions,
  nginxEscaped,
  tokenWith,
} from '../support/mtls-kit.js'
import type { RequestLike } from '../../src/types.js'
import { NOW, API, requestLike, refusal, expectRefusal, invalidToken, INVALID_TOKEN_CHALLENGE } from '../support/kit.js'

const FIXTURE_DER = new Uint8Array(new X509Certificate(FIXTURE_PEM).raw)

let issuer: LocalIssuer
let client: TestCertificate
let other: TestCertificate
/** A certificate whose thumbprint has `-` or `_`, so its standard-alphabet base64 differs from base64url. */
let urlSafe: TestCertificate
let dpopKey: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  client = createTestCertificate('client')
  other = createTestCertificate('another-client')
  urlSafe = client
  for (let i = 0; i < 40 && !/[-_]/.test(urlSafe.thumbprint); i++) urlSafe = createTestCertificate(`url-safe-${i}`)
  dpopKey = await createDPoPKey()
})
afterAll(() => issuer.close())

const cryptoBackends: ReadonlyArray<{ name: string; backend: CryptoBackend }> = [
  { name: 'node:crypto', backend: nodeCryptoBackend },
  { name: 'web crypto', backend: webCryptoBackend },
]

describe.each(cryptoBackends)('the x5t#S256 thumbprint ($name)', ({ backend }) => {
  it('MTLS-02 base64url SHA-256 of the fixture DER is the §13.3 value, without padding', async () => {
    const thumbprint = await certificateThumbprint(FIXTURE_DER, backend)
    expect(thumbprint).toBe(FIXTURE_THUMBPRINT)
    expect(thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('MTLS-02 the fixture read as PEM, DER and X509Certificate gives the same DER', () => {
    const hex = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'))
    const expected = hex(FIXTURE_DER)
    expect(hex(readCertificateDER(FIXTURE_PEM))).toBe(expected)
    expect(hex(readCertificateDER(FIXTURE_PEM.replace(/\n/g, '\r\n')))).toBe(expected)
    expect(readCertificateDER(FIXTURE_DER)).toBe(FIXTURE_DER)
    expect(hex(readCertificateDER(new X509Certificate(FIXTURE_PEM)))).toBe(expected)
  })

  it('MTLS-04 the RFC 8705 example …dg2 never matches the certificate whose digest encodes to …dg0', async () => {
    // Node's decoder is lenient: it ignores the stray bits that make `…dg2` non-canonical.
    const digest = new Uint8Array(Buffer.from(RFC8705_EXAMPLE_THUMBPRINT, 'base64url'))
    expect(digest).toHaveLength(32)
    // A backend whose SHA-256 of any certificate is the 32 bytes `…dg2` decodes to: the certificate then has thumbprint `…dg0`.
    const rigged: CryptoBackend = { ...backend, sha256Base64url: () => Buffer.from(digest).toString('base64url') }
    const rules: CertificateRules = { trusted: () => false, header: undefined, forwarded: 'x-forwarded', backend: rigged }
    const request = { method: 'GET', url: API, headers: {}, clientCertificate: FIXTURE_DER }
    const canonical = `${RFC8705_EXAMPLE_THUMBPRINT.slice(0, -1)}0`
    await expect(verifyCertificateBinding(canonical, request, rules)).resolves.toBe(canonical)
    await expect(verifyCertificateBinding(RFC8705_EXAMPLE_THUMBPRINT, request, rules)).rejects.toMatchObject({
      status: 401,
      error: 'invalid_token',
      code: 'ERR_MTLS_CERTIFICATE_MISMATCH',
    })
  })
})

describe('certificate-bound tokens', () => {
  const guard = () => createGuard(mtlsOptions(issuer))

  it('MTLS-01 token bound to the fixture + the fixture as TLS client certificate → accepted, binding reported', async () => {
    const token = await certificateBoundToken(issuer, FIXTURE_THUMBPRINT)
    const auth = await guard().verify(requestLike({ token: token, clientCertificate: FIXTURE_PEM }))
    expect(auth.binding).toEqual({ mtls: { x5tS256: FIXTURE_THUMBPRINT } })
    expect(auth.scopes).toEqual(['accounts:read'])
  })

  it('MTLS-01 another client certificate → 401 invalid_token (Bearer challenge)', async () => {
    const token = await certificateBoundToken(issuer, FIXTURE_THUMBPRINT)
    const error = await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: client.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    expect(error.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/)
    expect(error.toJSON()).toMatchObject({ error: 'invalid_token' })
  })

  it('MTLS-02 hex fingerprint, SHA-256 of the PEM text and padded base64 never match the fixture', async () => {
    const fingerprint = new X509Certificate(FIXTURE_PEM).fingerprint256
    expect(fingerprint).toMatch(/^CC:81:2C:/)
    const wrongForms: Array<[string, string]> = [
      [fingerprint, 'ERR_CNF_INVALID'],
      [fingerprint.replace(/:/g, ''), 'ERR_CNF_INVALID'],
      [fingerprint.replace(/:/g, '').toLowerCase(), 'ERR_CNF_INVALID'],
      [base64urlSHA256(FIXTURE_PEM), 'ERR_MTLS_CERTIFICATE_MISMATCH'],
      [`${FIXTURE_THUMBPRINT}=`, 'ERR_CNF_INVALID'],
    ]
    for (const [x5tS256, code] of wrongForms) {
      const token = await certificateBoundToken(issuer, x5tS256)
      await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: FIXTURE_PEM })), invalidToken(code, INVALID_TOKEN_CHALLENGE))
    }
  })

  it('MTLS-03 introspection: the RFC 8705 §3.2 response (…dg2) with the fixture → 401; with the fixture thumbprint → accepted', async () => {
    // RFC 8705 §3.2 example introspection response; the clock sits between its nbf and exp.
    const example = { active: true, iss: 'https://server.example.com', sub: 'ty.webb@example.com', exp: 1493726400, nbf: 1493722800 }
    const introspected = (x5tS256: string) =>
      createGuard({
        issuer: {
          issuer: 'https://server.example.com',
          jwks: { keys: [] },
          // The §3.2 answer has no "aud" (the documented opt-out).
          introspection: { endpoint: 'https://server.example.com/introspect', clientId: 'rs', clientSecret: 'rs-secret', cache: false, requireAudience: false },
        },
        audience: 'https://api.example.test',
        clock: () => 1493724000 * 1000,
        fetch: async () => Response.json({ ...example, cnf: { 'x5t#S256': x5tS256 } }),
      })
    const opaque = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'
    await expectRefusal(introspected(RFC8705_EXAMPLE_THUMBPRINT).verify(requestLike({ token: opaque, clientCertificate: FIXTURE_PEM })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    const auth = await introspected(FIXTURE_THUMBPRINT).verify(requestLike({ token: opaque, clientCertificate: FIXTURE_PEM }))
    expect(auth).toMatchObject({ source: 'introspection', binding: { mtls: { x5tS256: FIXTURE_THUMBPRINT } } })
    await expectRefusal(introspected(FIXTURE_THUMBPRINT).verify(requestLike({ token: opaque, clientCertificate: client.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(introspected(FIXTURE_THUMBPRINT).verify(requestLike({ token: opaque })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('MTLS-05 a self-signed certificate that hashes to the binding is enough: possession, not the chain, is checked', async () => {
    // createTestCertificate makes a self-signed certificate no CA vouches for (RFC 8705 §6.2).
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const auth = await guard().verify(requestLike({ token: token, clientCertificate: client.cert }))
    expect(auth.binding.mtls).toEqual({ x5tS256: client.thumbprint })
  })

  it('MTLS-08 an unbound token is refused under fapi2 and fapi1-advanced, even with a client certificate → 401', async () => {
    const token = await tokenWith(issuer, undefined)
    for (const profile of ['fapi2', 'fapi1-advanced'] as const) {
      const strict = createGuard(mtlsOptions(issuer, { profile }))
      await expectRefusal(strict.verify(requestLike({ token: token, clientCertificate: client.cert })), invalidToken('ERR_TOKEN_NOT_SENDER_CONSTRAINED', INVALID_TOKEN_CHALLENGE))
    }
    // Under oauth2 the same token is a plain bearer token.
    await expect(createGuard(mtlsOptions(issuer, { profile: 'oauth2' })).verify(requestLike({ token: token }))).resolves.toMatchObject({ binding: {} })
  })

  it('MTLS-08 fapi1-advanced accepts a certificate-bound token with its certificate, refuses it with another', async () => {
    const fapi1 = createGuard(mtlsOptions(issuer, { profile: 'fapi1-advanced' }))
    const token = await certificateBoundToken(issuer, client.thumbprint)
    await expect(fapi1.verify(requestLike({ token: token, clientCertificate: client.cert }))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    await expectRefusal(fapi1.verify(requestLike({ token: token, clientCertificate: other.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(fapi1.verify(requestLike({ token: token })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('MTLS-09 a token bound both ways needs the DPoP proof and the certificate: each is checked', async () => {
    const token = await tokenWith(issuer, { jkt: dpopKey.thumbprint, 'x5t#S256': client.thumbprint })
    const proof = () => createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: token, iat: NOW })
    const auth = await guard().verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(), clientCertificate: client.cert }))
    expect(auth.binding).toEqual({ mtls: { x5tS256: client.thumbprint }, dpop: { jkt: dpopKey.thumbprint } })
  })

  it('D01 certificate-bound token, no client certificate → 401 invalid_token', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    await expectRefusal(guard().verify(requestLike({ token: token })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('D01 a client certificate that cannot be read counts as none → 401 invalid_token', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const unreadable = ['', 'not a certificate', '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----', new Uint8Array(0)]
    for (const certificate of unreadable) {
      await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: certificate })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('D02 a certificate with another thumbprint → 401 invalid_token, the route never learns more', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const error = await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: other.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    expect(error.description).not.toContain(client.thumbprint)
    expect(error.description).not.toContain(other.thumbprint)
  })

  it('D03 thumbprints over the PEM text, the base64 body or the whole chain never match; a chain is judged by its leaf', async () => {
    const body = client.cert.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
    const chainDER = new Uint8Array([...client.der, ...other.der])
    for (const wrong of [base64urlSHA256(client.cert), base64urlSHA256(body), base64urlSHA256(chainDER)]) {
      const token = await certificateBoundToken(issuer, wrong)
      await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: client.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
      await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: `${client.cert}${other.cert}` })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    }
    // A PEM chain (leaf first) given as the client certificate: only the leaf counts.
    const leafBound = await certificateBoundToken(issuer, client.thumbprint)
    await expect(guard().verify(requestLike({ token: leafBound, clientCertificate: `${client.cert}${other.cert}` }))).resolves.toMatchObject({
      binding: { mtls: { x5tS256: client.thumbprint } },
    })
  })

  it('D04 cnf x5t#S256 in hex, padded base64 or the standard alphabet → 401 invalid_token', async () => {
    expect(urlSafe.thumbprint).toMatch(/[-_]/)
    const standard = Buffer.from(urlSafe.thumbprint, 'base64url').toString('base64')
    const forms = [
      hexSHA256(urlSafe.der),
      standard,
      standard.replace(/=+$/, ''),
      `${urlSafe.thumbprint}=`,
      // MTLS-02: no line breaks, whitespace or other characters.
      `${urlSafe.thumbprint}\n`,
      ` ${urlSafe.thumbprint}`,
      `${urlSafe.thumbprint.slice(0, 20)} ${urlSafe.thumbprint.slice(20)}`,
    ]
    for (const x5tS256 of forms) {
      const token = await certificateBoundToken(issuer, x5tS256)
      await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: urlSafe.cert })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
    }
    for (const x5tS256 of [42, null, { value: urlSafe.thumbprint }, [urlSafe.thumbprint]]) {
      const token = await tokenWith(issuer, { 'x5t#S256': x5tS256 })
      await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: urlSafe.cert })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('D16 a token bound both ways: a right proof with the wrong certificate, or the right certificate without a proof → 401', async () => {
    const token = await tokenWith(issuer, { jkt: dpopKey.thumbprint, 'x5t#S256': client.thumbprint })
    const proof = () => createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: token, iat: NOW })
    const strict = guard()
    const wrongCertificate = await refusal(strict.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(), clientCertificate: other.cert })))
    expect(wrongCertificate).toMatchObject({ status: 401, error: 'invalid_token', code: 'ERR_MTLS_CERTIFICATE_MISMATCH' })
    expect(wrongCertificate.headers['www-authenticate']).toMatch(/DPoP error="invalid_token"/)
    const noCertificate = await refusal(strict.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof() })))
    expect(noCertificate).toMatchObject({ status: 401, code: 'ERR_MTLS_CERTIFICATE_MISSING' })
    const noProof = await refusal(strict.verify(requestLike({ token: token, scheme: 'DPoP', clientCertificate: client.cert })))
    expect(noProof).toMatchObject({ status: 401, code: 'ERR_DPOP_PROOF_MISSING' })
    const otherKey = await createDPoPKey()
    const wrongKey = await refusal(
      strict.verify(requestLike({ token: token, scheme: 'DPoP', clientCertificate: client.cert, proof: await createDPoPProof({ key: otherKey, method: 'GET', url: API, accessToken: token, iat: NOW }) })),
    )
    expect(wrongKey).toMatchObject({ status: 401, code: 'ERR_DPOP_KEY_MISMATCH' })
    const asBearer = await refusal(strict.verify(requestLike({ token: token, clientCertificate: client.cert })))
    expect(asBearer).toMatchObject({ status: 401, code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH' })
  })

  it('D16 a token bound both ways is refused when DPoP is switched off, certificate or not', async () => {
    const token = await tokenWith(issuer, { jkt: dpopKey.thumbprint, 'x5t#S256': client.thumbprint })
    const noDPoP = createGuard(mtlsOptions(issuer, { dpop: false }))
    const error = await refusal(noDPoP.verify(requestLike({ token: token, clientCertificate: client.cert })))
    expect(error).toMatchObject({ status: 401, error: 'invalid_token' })
  })

  it('D17 an unbound token under the default fapi2 profile → 401 invalid_token', async () => {
    const token = await tokenWith(issuer, undefined)
    await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: client.cert })), invalidToken('ERR_TOKEN_NOT_SENDER_CONSTRAINED', INVALID_TOKEN_CHALLENGE))
  })

  it('mtls.required refuses a DPoP-only token and accepts a certificate-bound one', async () => {
    const required = createGuard(mtlsOptions(issuer, { mtls: { required: true } }))
    const dpopOnly = await tokenWith(issuer, { jkt: dpopKey.thumbprint })
    const proof = await createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: dpopOnly, iat: NOW })
    const error = await refusal(required.verify(requestLike({ token: dpopOnly, scheme: 'DPoP', proof, clientCertificate: client.cert })))
    expect(error).toMatchObject({ status: 401, error: 'invalid_token', code: 'ERR_TOKEN_NOT_SENDER_CONSTRAINED' })
    const bound = await certificateBoundToken(issuer, client.thumbprint)
    await expect(required.verify(requestLike({ token: bound, clientCertificate: client.cert }))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
  })

  it('mtls: false refuses certificate-bound tokens, even with the right certificate: never let through unchecked', async () => {
    const off = createGuard(mtlsOptions(issuer, { mtls: false }))
    const token = await certificateBoundToken(issuer, client.thumbprint)
    await expectRefusal(off.verify(requestLike({ token: token, clientCertificate: client.cert })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(off.verify(requestLike({ token: token })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
  })

  it('the client certificate may be a PEM string, DER bytes or a Node X509Certificate', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const forms = [client.cert, client.der, Buffer.from(client.der), new X509Certificate(client.cert)]
    for (const certificate of forms) {
      const auth = await guard().verify(requestLike({ token: token, clientCertificate: certificate }))
      expect(auth.binding.mtls).toEqual({ x5tS256: client.thumbprint })
    }
    for (const certificate of [other.cert, other.der, new X509Certificate(other.cert)]) {
      await expectRefusal(guard().verify(requestLike({ token: token, clientCertificate: certificate })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('a thumbprint the runtime gives (clientCertificateThumbprint, Workers) stands in for the certificate; any other form is refused', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const withThumbprint = (thumbprint: string, extra: Partial<RequestLike> = {}): RequestLike => ({ ...requestLike({ token }), clientCertificateThumbprint: thumbprint, ...extra })
    await expect(guard().verify(withThumbprint(client.thumbprint))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    await expectRefusal(guard().verify(withThumbprint(other.thumbprint)), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    // Hex (Cloudflare's own spelling), padded or standard-alphabet base64, empty: never read as a thumbprint.
    const digest = new Uint8Array(Buffer.from(client.thumbprint, 'base64url'))
    for (const malformed of [hexSHA256(client.der), `${client.thumbprint}=`, Buffer.from(digest).toString('base64'), '', client.thumbprint.slice(1)]) {
      if (malformed === client.thumbprint) continue
      await expectRefusal(guard().verify(withThumbprint(malformed)), { ...invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE), description: /not a base64url SHA-256 thumbprint/ })
    }
    // With the certificate too: they must agree.
    await expect(guard().verify(withThumbprint(client.thumbprint, { clientCertificate: client.der }))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    const otherBound = await certificateBoundToken(issuer, other.thumbprint)
    await expectRefusal(
      guard().verify({ ...requestLike({ token: otherBound, clientCertificate: client.der }), clientCertificateThumbprint: other.thumbprint }),
      { ...invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE), description: /differ/ },
    )
    // Not read for a token that is not certificate-bound.
    const dpopBound = await tokenWith(issuer, { jkt: dpopKey.thumbprint })
    const proof = await createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: dpopBound, iat: NOW })
    await expect(guard().verify({ ...requestLike({ token: dpopBound, scheme: 'DPoP', proof }), clientCertificateThumbprint: 'not a thumbprint' })).resolves.toMatchObject({
      binding: { dpop: { jkt: dpopKey.thumbprint } },
    })
  })

  it('a TLS client certificate and a different one forwarded by a trusted proxy → 401 ERR_MTLS_CERTIFICATE_MISMATCH', async () => {
    const proxied = createGuard(mtlsOptions(issuer, { proxy: { trusted: ['loopback'], certificateHeader: 'x-ssl-client-cert' } }))
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const parts = { peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': nginxEscaped(other.cert) } }
    // Either certificate alone might be the bound one; together they disagree, so neither is believed.
    await expectRefusal(proxied.verify(requestLike({ token: token, ...parts, clientCertificate: client.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    const otherBound = await certificateBoundToken(issuer, other.thumbprint)
    await expectRefusal(proxied.verify(requestLike({ token: otherBound, ...parts, clientCertificate: client.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    // The same certificate on the socket and in the header agrees.
    const agreeing = { peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': nginxEscaped(client.cert) }, certificate: client.der }
    await expect(proxied.verify(requestLike({ token: token, ...agreeing }))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
  })

  it('a trusted proxy header without a readable certificate means none: the TLS certificate does not stand in → 401', async () => {
    const proxied = createGuard(mtlsOptions(issuer, { proxy: { trusted: ['loopback'], certificateHeader: 'x-ssl-client-cert' } }))
    const token = await certificateBoundToken(issuer, client.thumbprint)
    // The connection's certificate may be the proxy's own (mTLS between proxy and API); the header speaks for the client.
    for (const value of ['(null)', '', 'garbage', encodeURIComponent(nginxEscaped(client.cert))]) {
      const request = requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': value }, clientCertificate: client.cert })
      await expectRefusal(proxied.verify(request), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
    }
    // No header at all from the trusted peer: the connection's certificate is the client's.
    await expect(proxied.verify(requestLike({ token: token, peerAddress: '127.0.0.1', clientCertificate: client.cert }))).resolves.toMatchObject({
      binding: { mtls: { x5tS256: client.thumbprint } },
    })
    // From an untrusted peer the header is not read at all, so it cannot take the certificate away either.
    await expect(
      proxied.verify(requestLike({ token: token, peerAddress: '192.0.2.1', headers: { 'x-ssl-client-cert': '(null)' }, clientCertificate: client.cert })),
    ).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
  })

  it('an unbound request is not judged on certificates: a disagreeing proxy header does not matter to an oauth2 bearer token', async () => {
    const proxied = createGuard(mtlsOptions(issuer, { profile: 'oauth2', proxy: { trusted: ['loopback'], certificateHeader: 'x-ssl-client-cert' } }))
    const token = await tokenWith(issuer, undefined)
    const request = requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': nginxEscaped(other.cert) }, clientCertificate: client.cert })
    await expect(proxied.verify(request)).resolves.toMatchObject({ binding: {} })
  })
})
