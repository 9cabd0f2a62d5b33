/**
 * Profile demands on sender constraint (FAPI 2.0 §5.3.4 item 5, FAPI 1.0 Part 2 §6.2.1) and the
 * certificate binding itself (RFC 8705 §3): the default `fapi2` profile refuses unbound tokens and
 * accepts a certificate-bound one presented with its certificate.
 */
import { createHash, X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import type { GuardOptions } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { NOW, TestClock, requestLike, expectRefusal, invalidToken } from '../support/kit.js'

const RS = 'https://rs.example.com/'
const ALGS = 'PS256 ES256 EdDSA Ed25519'

let local: LocalIssuer
let cert: TestCertificate
let other: TestCertificate

beforeAll(async () => {
  local = await createLocalIssuer({ algorithms: ['PS256', 'ES256'], audience: RS })
  cert = createTestCertificate('client-1')
  other = createTestCertificate('client-2')
})
afterAll(() => local.close())

function mint(claims: Record<string, unknown> = {}): Promise<string> {
  return local.mint(claims, { now: NOW })
}

/** A valid thumbprint string that decodes to the same 32 bytes but is not canonical (non-zero pad bits). */
function nonCanonical(thumbprint: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(thumbprint.slice(-1))
  return `${thumbprint.slice(0, -1)}${alphabet[last ^ 0b01]}`
}

describe('sender-constrained tokens', () => {
  function guardFor(profile: GuardOptions['profile'], extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now, ...(profile !== undefined && { profile }), ...extra })
  }

  it('MTLS-08 fapi2 (the default) refuses an unbound but otherwise valid token; oauth2 accepts it', async () => {
    const token = await mint()
    await expectRefusal(guardFor(undefined).verify(requestLike({ token: token, clientCertificate: cert.der })), invalidToken(
        'ERR_TOKEN_NOT_SENDER_CONSTRAINED',
        `Bearer realm="api", error="invalid_token", error_description="the access token is not sender-constrained (DPoP or certificate-bound)", DPoP algs="${ALGS}"`,
      ))
    await expectRefusal(guardFor('fapi1-advanced').verify(requestLike({ token: token })), invalidToken('ERR_TOKEN_NOT_SENDER_CONSTRAINED'))
    expect((await guardFor('oauth2').verify(requestLike({ token: token }))).binding).toEqual({})
  })

  it('MTLS-01 fapi2 accepts a certificate-bound token with the matching certificate (DER, PEM, X509Certificate) and refuses others', async () => {
    const guard = guardFor(undefined)
    const token = await mint({ cnf: { 'x5t#S256': cert.thumbprint } })
    for (const clientCertificate of [cert.der, cert.cert, new X509Certificate(cert.cert)]) {
      const auth = await guard.verify(requestLike({ token: token, clientCertificate }))
      expect(auth.binding).toEqual({ mtls: { x5tS256: cert.thumbprint } })
    }
    await expectRefusal(guard.verify(requestLike({ token: token, clientCertificate: other.der })), invalidToken(
        'ERR_MTLS_CERTIFICATE_MISMATCH',
        `Bearer realm="api", error="invalid_token", error_description="the client certificate does not match the one the access token is bound to", DPoP algs="${ALGS}"`,
      ))
    await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING'))
    await expectRefusal(guard.verify(requestLike({ token: token, clientCertificate: new Uint8Array(0) })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING'))
    await expectRefusal(guard.verify(requestLike({ token: token, clientCertificate: 'not a certificate' })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING'))
  })

  it('MTLS-02 only base64url(SHA-256(DER)) matches: hex fingerprint, padded value, standard base64 or a hash of the PEM text do not', async () => {
    const guard = guardFor(undefined)
    const send = async (x5t: string) => guard.verify(requestLike({ token: await mint({ cnf: { 'x5t#S256': x5t } }), clientCertificate: cert.der }))
    const digest = createHash('sha256').update(cert.der).digest()
    expect(cert.thumbprint).toBe(digest.toString('base64url'))
    await send(cert.thumbprint)
    await expectRefusal(send(new X509Certificate(cert.cert).fingerprint256), invalidToken('ERR_CNF_INVALID'))
    await expectRefusal(send(`${cert.thumbprint}=`), invalidToken('ERR_CNF_INVALID'))
    await expectRefusal(send(digest.toString('hex')), invalidToken('ERR_CNF_INVALID'))
    await expectRefusal(send(createHash('sha256').update(cert.cert).digest('base64url')), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH'))
    const standard = digest.toString('base64').replace(/=+$/, '')
    if (standard !== cert.thumbprint) await expectRefusal(send(standard), invalidToken('ERR_CNF_INVALID'))
  })

  it('MTLS-04 a non-canonical base64url thumbprint (same bytes, other pad bits) never matches', async () => {
    const variant = nonCanonical(cert.thumbprint)
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(cert.thumbprint, 'base64url'))).toBe(true)
    const token = await mint({ cnf: { 'x5t#S256': variant } })
    await expectRefusal(guardFor(undefined).verify(requestLike({ token: token, clientCertificate: cert.der })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH'))
  })

  it('a bound token is enforced in every profile, and refused when certificate binding is switched off', async () => {
    const token = await mint({ cnf: { 'x5t#S256': cert.thumbprint } })
    await expectRefusal(guardFor('oauth2').verify(requestLike({ token: token })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING'))
    await expectRefusal(guardFor('oauth2').verify(requestLike({ token: token, clientCertificate: other.der })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH'))
    await expectRefusal(guardFor('oauth2', { mtls: false }).verify(requestLike({ token: token, clientCertificate: cert.der })), invalidToken('ERR_CNF_INVALID'))
    await expectRefusal(guardFor('oauth2').verify(requestLike({ token: await mint({ cnf: { 'x5t#S256': cert.thumbprint, x5t: 'abc' } }), clientCertificate: cert.der })), invalidToken('ERR_CNF_INVALID'))
    await expectRefusal(guardFor('oauth2').verify(requestLike({ token: await mint({ cnf: 'bound' }), clientCertificate: cert.der })), invalidToken('ERR_CNF_INVALID'))
  })
})
