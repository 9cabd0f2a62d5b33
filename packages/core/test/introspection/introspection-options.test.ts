/**
 * The `introspection` option (per issuer, or top level for a single issuer): every mistake is a
 * `TypeError` at `createGuard` that names the option, and nothing is fetched there.
 */
import { describe, expect, it } from 'vitest'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { GuardOptions, IntrospectionOptions } from '../../src/options/types.js'
import { createGuard } from '../../src/node/index.js'
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, ISSUER } from './introspection-kit.js'

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
const PRIVATE_JWK: JWK = await exportJWK(privateKey)
const PUBLIC_JWK: JWK = await exportJWK(publicKey)
const PEM = { cert: '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n', key: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n' }
const ENDPOINT = 'https://as.example.test/introspect'

/** Options with `introspection` given verbatim (as JavaScript callers may). */
function withIntrospection(introspection: unknown, extra: Record<string, unknown> = {}): GuardOptions {
  return { issuer: ISSUER, audience: AUDIENCE, profile: 'oauth2', introspection: introspection as IntrospectionOptions, ...extra } as GuardOptions
}

describe('introspection options', () => {
  const rejects = (options: GuardOptions, message: RegExp) => {
    expect(() => createGuard(options)).toThrow(TypeError)
    expect(() => createGuard(options)).toThrow(message)
  }

  it('valid settings for each method build a guard without any network call', () => {
    let fetched = 0
    const fetch: typeof globalThis.fetch = async () => {
      fetched++
      throw new Error('no network at createGuard')
    }
    for (const introspection of [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authMethod: 'client_secret_post', endpoint: ENDPOINT },
      { clientId: CLIENT_ID, authMethod: 'private_key_jwt', privateKey: PRIVATE_JWK, responseFormat: 'jwt', tokens: 'all' },
      { clientId: CLIENT_ID, authMethod: 'tls_client_auth', certificate: PEM, cache: false, timeout: 250 },
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint: 'http://127.0.0.1:8080/introspect', cache: { ttl: 0, negativeTtl: 0, max: 1 } },
    ]) {
      expect(() => createGuard(withIntrospection(introspection, { fetch }))).not.toThrow()
    }
    expect(fetched).toBe(0)
  })

  it('a missing, empty or non-string clientId is a TypeError', () => {
    for (const clientId of [undefined, '', 42, null]) {
      rejects(withIntrospection({ clientId, clientSecret: CLIENT_SECRET }), /"introspection\.clientId" must be a non-empty string/)
    }
    rejects(withIntrospection('rs-client'), /"introspection" must be/)
  })

  it('an unknown authMethod is a TypeError', () => {
    for (const authMethod of ['client_secret_jwt', 'none', 'Basic', 'CLIENT_SECRET_BASIC', 'self_signed_tls_client_auth', 42]) {
      rejects(withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authMethod }), /"introspection\.authMethod" must be one of/)
    }
  })

  it('client_secret_basic and client_secret_post need a non-empty secret', () => {
    for (const authMethod of [undefined, 'client_secret_basic', 'client_secret_post']) {
      for (const clientSecret of [undefined, '', 42]) {
        rejects(withIntrospection({ clientId: CLIENT_ID, clientSecret, ...(authMethod !== undefined && { authMethod }) }), /"introspection\.clientSecret" is required/)
      }
    }
  })

  it('a secret given with private_key_jwt or tls_client_auth is a TypeError (it would never be used)', () => {
    rejects(withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authMethod: 'private_key_jwt', privateKey: PRIVATE_JWK }), /"introspection\.clientSecret" is not used by private_key_jwt/)
    rejects(withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authMethod: 'tls_client_auth', certificate: PEM }), /"introspection\.clientSecret" is not used by tls_client_auth/)
  })

  it('private_key_jwt needs a private JWK: a public JWK, a symmetric key, no key, or an unknown key type is a TypeError', () => {
    for (const key of [PUBLIC_JWK, undefined, { kty: 'oct', k: 'c2VjcmV0' }, { kty: 'oct', k: 'c2VjcmV0', d: 'x' }, { ...PRIVATE_JWK, crv: 'P-192' }, 'jwk', { kty: 'XYZ', d: 'x' }]) {
      rejects(withIntrospection({ clientId: CLIENT_ID, authMethod: 'private_key_jwt', privateKey: key }), /"introspection\.privateKey" must be a private JWK/)
    }
    rejects(withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, privateKey: PRIVATE_JWK }), /"introspection\.privateKey" is only used by private_key_jwt/)
  })

  it('tls_client_auth needs { cert, key } PEM; a certificate with another method is a TypeError', () => {
    for (const certificate of [undefined, { cert: PEM.cert }, { key: PEM.key }, 'pem', { cert: 1, key: 2 }]) {
      rejects(withIntrospection({ clientId: CLIENT_ID, authMethod: 'tls_client_auth', certificate }), /"introspection\.certificate" must be \{ cert, key \}/)
    }
    rejects(withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, certificate: PEM }), /"introspection\.certificate" is only used by tls_client_auth/)
  })

  it('INTRO-07 an endpoint that is not https (plain http only on loopback) or not an absolute URL is a TypeError', () => {
    for (const endpoint of ['http://as.example.test/introspect', 'http://192.168.1.10/introspect', 'http://localhost.example.com/x', 'ws://as.example.test/x', '/introspect', 'as.example.test/introspect', 42]) {
      rejects(withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint }), /"introspection\.endpoint"/)
    }
    for (const endpoint of ['http://127.0.0.1:9/introspect', 'http://localhost:9/introspect', 'http://[::1]:9/introspect', ENDPOINT]) {
      expect(() => createGuard(withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint }))).not.toThrow()
    }
    // Without an endpoint, the issuer's metadata is needed: an http issuer off loopback is refused.
    rejects({ ...withIntrospection({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }), issuer: 'http://as.example.test', jwks: { keys: [] } }, /must use https for discovery/)
  })

  it('top-level "introspection" with several issuers (or an issuer object) is a TypeError; per issuer it is fine', () => {
    const introspection = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint: ENDPOINT }
    rejects(withIntrospection(introspection, { issuer: [ISSUER, 'https://b.example.test'] }), /"introspection" applies to a single issuer string/)
    // A one-element list of one issuer string is a single issuer: accepted.
    expect(() => createGuard(withIntrospection(introspection, { issuer: [ISSUER] }))).not.toThrow()
    rejects(withIntrospection(introspection, { issuer: { issuer: ISSUER } }), /"introspection" applies to a single issuer string/)
    expect(() =>
      createGuard({
        issuer: [
          { issuer: ISSUER, introspection },
          { issuer: 'https://b.example.test', introspection: { ...introspection, endpoint: 'https://b.example.test/introspect', tokenPrefix: 'b_' } },
        ],
        audience: AUDIENCE,
        profile: 'oauth2',
      }),
    ).not.toThrow()
    rejects({ issuer: [{ issuer: ISSUER, introspection: { ...introspection, clientId: '' } }], audience: AUDIENCE } as GuardOptions, /"issuer\[0\]\.introspection\.clientId"/)
  })

  it('INTRO-13 two or more issuers that introspect with no way to choose (no tokenPrefix, or prefixes that overlap) are a TypeError', () => {
    const settings = (issuer: string, extra: Record<string, unknown> = {}) => ({
      issuer,
      introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint: `${issuer}/introspect`, ...extra },
    })
    const guardOf = (...issuer: unknown[]) => ({ issuer, audience: AUDIENCE, profile: 'oauth2' }) as GuardOptions
    const [A, B, C] = ['https://a.example.test', 'https://b.example.test', 'https://c.example.test']
    rejects(guardOf(settings(A), settings(B)), /"issuer" has 2 issuers that introspect without "introspection\.tokenPrefix" \("https:\/\/a\.example\.test", "https:\/\/b\.example\.test"\)/)
    rejects(guardOf(settings(A), settings(B, { tokens: 'all' }), settings(C, { tokenPrefix: 'c_' })), /2 issuers that introspect without/)
    rejects(guardOf(settings(A, { tokenPrefix: 'at_' }), settings(B, { tokenPrefix: 'at_eu_' })), /token prefixes that overlap: "at_" of "https:\/\/a\.example\.test"/)
    rejects(guardOf(settings(A, { tokenPrefix: 'at_eu_' }), settings(B, { tokenPrefix: 'at_' })), /token prefixes that overlap/)
    rejects(guardOf(settings(A, { tokenPrefix: 'same' }), settings(B, { tokenPrefix: 'same' }), settings(C)), /token prefixes that overlap/)
    // One way to choose for every opaque token: accepted.
    for (const options of [
      guardOf(settings(A), settings(B, { tokenPrefix: 'b_' })),
      guardOf(settings(A, { tokenPrefix: 'a_' }), settings(B, { tokenPrefix: 'b_' }), settings(C)),
      guardOf(settings(A), B, { issuer: C, jwks: { keys: [] } }),
      guardOf(settings(A, { tokenPrefix: 'at_' })),
    ]) {
      expect(() => createGuard(options)).not.toThrow()
    }
  })

  it('INTRO-13 tokenPrefix must be a non-empty run of token characters; requireAudience a boolean', () => {
    const base = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint: ENDPOINT }
    for (const tokenPrefix of ['', 'a b', 'at_\n', 'é_', 'a,b', 5, null, ['at_'], /at_/]) {
      rejects(withIntrospection({ ...base, tokenPrefix }), /"introspection\.tokenPrefix" must be a non-empty string of access-token characters/)
    }
    for (const requireAudience of ['false', 0, null, 'no']) {
      rejects(withIntrospection({ ...base, requireAudience }), /"introspection\.requireAudience" must be true or false/)
    }
    for (const tokenPrefix of ['ory_at_', 'A-Z.0~9+/', '_0XBPWQQ_']) expect(() => createGuard(withIntrospection({ ...base, tokenPrefix }))).not.toThrow()
    expect(() => createGuard(withIntrospection({ ...base, requireAudience: false }))).not.toThrow()
  })

  it('unknown members, and bad responseFormat, tokens, timeout and cache settings are TypeErrors', () => {
    const base = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...base, clientSecrets: 'x' }, /"introspection\.clientSecrets" is not a known option/],
      [{ ...base, responseFormat: 'xml' }, /"introspection\.responseFormat" must be "json" or "jwt"/],
      [{ ...base, tokens: 'jwt' }, /"introspection\.tokens" must be "opaque" or "all"/],
      [{ ...base, timeout: 0 }, /"introspection\.timeout"/],
      [{ ...base, timeout: -5 }, /"introspection\.timeout"/],
      [{ ...base, timeout: Number.NaN }, /"introspection\.timeout"/],
      [{ ...base, timeout: '5000' }, /"introspection\.timeout"/],
      [{ ...base, cache: 'yes' }, /"introspection\.cache" must be false or an options object/],
      [{ ...base, cache: { ttl: -1 } }, /"introspection\.cache\.ttl"/],
      [{ ...base, cache: { negativeTtl: Number.POSITIVE_INFINITY } }, /"introspection\.cache\.negativeTtl"/],
      [{ ...base, cache: { max: 0 } }, /"introspection\.cache\.max"/],
      [{ ...base, cache: { max: 1.5 } }, /"introspection\.cache\.max"/],
      [{ ...base, cache: { store: { get: async () => undefined } } }, /"introspection\.cache\.store" must have get/],
      [{ ...base, cache: { store: { set: () => {} } } }, /"introspection\.cache\.store" must have get/],
      [{ ...base, cache: { store: 'redis://localhost' } }, /"introspection\.cache\.store" must have get/],
      [{ ...base, cache: { lifetime: 5 } }, /"introspection\.cache\.lifetime" is not a known option/],
    ]
    for (const [introspection, message] of cases) rejects(withIntrospection(introspection), message)
  })
})
