import { randomBytes, X509Certificate, createHash } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { createLocalIssuer, type LocalIssuer, type LocalIssuerOptions, type MintOptions } from './local-issuer.js'

/**
 * The key a token is DPoP-bound to: a `DPoPKey` from `createDPoPKey()`, a public JWK, or a Web Crypto
 * key pair (such as the `dpop` package's `generateKeyPair()` returns).
 */
export type DPoPKeyLike = { readonly thumbprint: string } | JWK | { readonly publicKey: CryptoKey }

/**
 * The certificate a token is bound to: a certificate from `createClientCertificate()` (or anything
 * with its `thumbprint`), or the PEM of one.
 */
export type CertificateLike = { readonly thumbprint: string } | string

/** How `mintAccessToken` binds and shapes the token. */
export interface MintAccessTokenOptions extends MintOptions {
  /** Binds the token to this DPoP key: `cnf.jkt` (RFC 9449 §6). */
  dpopKey?: DPoPKeyLike
  /** Binds the token to this client certificate: `cnf["x5t#S256"]` (RFC 8705 §3.1). */
  certificate?: CertificateLike
  /**
   * `jwt` (default): a signed RFC 9068 access token. `opaque`: a random string the issuer's
   * introspection endpoint answers for with the same claims (the guard then needs `introspection`).
   */
  format?: 'jwt' | 'opaque'
}

/** Claims of a minted token: any JWT claims; `undefined` removes a default one (`sub: undefined`). */
export type AccessTokenClaims = { [Claim in keyof JWTPayload]?: JWTPayload[Claim] | undefined } & Record<string, unknown>

/** Options of `createTestIssuer`: those of `createLocalIssuer`, with an introspection client made up when none is given. */
export type TestIssuerOptions = LocalIssuerOptions

/** A local issuer for your tests: `createLocalIssuer`'s, plus bound tokens in either format and ready-made introspection credentials. */
export interface TestIssuer extends LocalIssuer {
  /**
   * Mints an access token, bound as asked: RFC 9068 claims by default (`iss`, `aud`, `sub`,
   * `client_id`, `iat`, `exp`, `jti`), overridden by `claims` (`undefined` removes one).
   */
  mintAccessToken(claims?: AccessTokenClaims, options?: MintAccessTokenOptions): Promise<string>
  /** The client the introspection endpoint accepts (`client_secret_basic` or `client_secret_post`); pass it as the guard's `introspection`. */
  readonly introspectionClient: { readonly clientId: string; readonly clientSecret: string }
}

function isCryptoKeyPair(key: DPoPKeyLike): key is { readonly publicKey: CryptoKey } {
  return typeof key === 'object' && key !== null && 'publicKey' in key && typeof key.publicKey === 'object'
}

async function jktOf(key: DPoPKeyLike): Promise<string> {
  if (typeof key === 'object' && key !== null && 'thumbprint' in key && typeof key.thumbprint === 'string') return key.thumbprint
  if (isCryptoKeyPair(key)) return calculateJwkThumbprint(await exportJWK(key.publicKey), 'sha256')
  if (typeof key === 'object' && key !== null && typeof (key as JWK).kty === 'string') {
    const jwk = key as JWK
    if (jwk.d !== undefined) throw new TypeError('mintAccessToken: "dpopKey" is a private JWK; give the public one')
    return calculateJwkThumbprint(jwk, 'sha256')
  }
  throw new TypeError('mintAccessToken: "dpopKey" must be a DPoPKey, a public JWK or a key pair')
}

function x5tOf(certificate: CertificateLike): string {
  if (typeof certificate === 'string') {
    return createHash('sha256').update(new X509Certificate(certificate).raw).digest('base64url')
  }
  if (typeof certificate === 'object' && certificate !== null && typeof certificate.thumbprint === 'string') return certificate.thumbprint
  throw new TypeError('mintAccessToken: "certificate" must be a certificate from createClientCertificate() or a PEM string')
}

/**
 * Starts a local issuer on `127.0.0.1` (random port) for tests: signing keys, a JWKS, RFC 8414 (or
 * OpenID) discovery metadata, and an introspection endpoint; a guard given only its `issuer` finds
 * everything by discovery. `close()` stops it.
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const introspectionClient = options.introspectionClient ?? { clientId: 'test-api', clientSecret: randomBytes(24).toString('base64url') }
  const issuer = await createLocalIssuer({ ...options, introspectionClient })
  const testIssuer = issuer as TestIssuer & { introspectionClient: TestIssuer['introspectionClient'] }
  Object.defineProperty(testIssuer, 'introspectionClient', { value: Object.freeze({ ...introspectionClient }), enumerable: true })
  testIssuer.mintAccessToken = async (claims = {}, mintOptions = {}) => {
    const { dpopKey, certificate, format = 'jwt', ...jwtOptions } = mintOptions
    if (format !== 'jwt' && format !== 'opaque') throw new TypeError('mintAccessToken: "format" must be "jwt" or "opaque"')
    const binding: Record<string, string> = {}
    if (dpopKey !== undefined) binding.jkt = await jktOf(dpopKey)
    if (certificate !== undefined) binding['x5t#S256'] = x5tOf(certificate)
    const given = claims.cnf
    const cnf = Object.keys(binding).length === 0 ? given : { ...(typeof given === 'object' && given !== null ? given : {}), ...binding }
    const bound = cnf === undefined ? claims : { ...claims, cnf }
    if (format === 'jwt') return issuer.mint(bound as JWTPayload & Record<string, unknown>, jwtOptions)
    const now = jwtOptions.now ?? Math.floor(Date.now() / 1000)
    const payload: Record<string, unknown> = { iat: now, exp: now + (jwtOptions.expiresIn ?? 300), ...bound }
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
    return issuer.issueOpaque(payload)
  }
  return testIssuer
}
