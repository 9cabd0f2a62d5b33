import { importJWK, SignJWT, type JWK } from 'jose'

/** How the resource server authenticates to the introspection endpoint (RFC 7662 §2.1). */
export type IntrospectionAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth'

/** Every client authentication method, in the order the messages list them. */
export const AUTH_METHODS: readonly IntrospectionAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth']

/** Client credentials, checked at `createGuard`. */
export interface ClientCredentials {
  readonly clientId: string
  readonly authMethod: IntrospectionAuthMethod
  readonly clientSecret: string | undefined
  /** Private JWK for `private_key_jwt`. */
  readonly privateKey: JWK | undefined
}

/** Lifetime of a `private_key_jwt` assertion, in seconds. */
export const ASSERTION_LIFETIME = 60

const DEFAULT_ALG: Record<string, string> = { RSA: 'PS256', EC: 'ES256', OKP: 'EdDSA' }

/** RFC 6749 §2.3.1 / Appendix B: form-urlencode, as `client_secret_basic` requires before Base64. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}

/** The algorithm a private JWK signs assertions with: its `alg`, else the usual one for its key type. */
export function assertionAlgorithm(jwk: JWK): string | undefined {
  if (typeof jwk.alg === 'string') return jwk.alg
  if (jwk.kty === 'EC') return jwk.crv === 'P-256' ? 'ES256' : jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : undefined
  return DEFAULT_ALG[jwk.kty as string]
}

/**
 * Adds the client authentication to an introspection request: an `Authorization: Basic` header
 * (`client_secret_basic`), `client_id`/`client_secret` in the body (`client_secret_post`), a signed
 * assertion (`private_key_jwt`, RFC 7523: `iss` = `sub` = client id, `aud` = the issuer, fresh `jti`,
 * short `exp`), or only `client_id` (`tls_client_auth`, the TLS layer carries the certificate).
 */
export class ClientAuthenticator {
  #signingKey: Promise<CryptoKey | Uint8Array> | undefined

  constructor(
    private readonly credentials: ClientCredentials,
    private readonly audience: string,
  ) {}

  async apply(headers: Record<string, string>, body: URLSearchParams, now: number): Promise<void> {
    const { clientId, clientSecret, authMethod } = this.credentials
    switch (authMethod) {
      case 'client_secret_basic':
        headers.authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret ?? '')}`)}`
        return
      case 'client_secret_post':
        body.set('client_id', clientId)
        body.set('client_secret', clientSecret ?? '')
        return
      case 'private_key_jwt':
        body.set('client_id', clientId)
        body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
        body.set('client_assertion', await this.#assertion(now))
        return
      case 'tls_client_auth':
        body.set('client_id', clientId)
    }
  }

  async #assertion(now: number): Promise<string> {
    const jwk = this.credentials.privateKey as JWK
    const alg = assertionAlgorithm(jwk) as string
    this.#signingKey ??= importJWK(jwk, alg)
    const iat = Math.floor(now)
    const header = { alg, typ: 'JWT', ...(typeof jwk.kid === 'string' && { kid: jwk.kid }) }
    return new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader(header)
      .setIssuer(this.credentials.clientId)
      .setSubject(this.credentials.clientId)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME)
      .sign(await this.#signingKey)
  }
}
