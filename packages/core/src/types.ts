import type { JWK } from 'jose'

/** Security profile: algorithm allow-lists, required claims, and whether sender-constrained tokens are required. */
export type Profile = 'fapi2' | 'fapi1-advanced' | 'oauth2'

/** JWS algorithms fapi-guard can verify (asymmetric only; `none` and HMAC never). */
export type JWSAlgorithm =
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'EdDSA'
  /** EdDSA with Ed25519, fully specified (RFC 9864). */
  | 'Ed25519'

/** A JSON Web Key Set (RFC 7517 §5) of public keys. */
export interface JSONWebKeySet {
  keys: JWK[]
}

/** A client certificate: PEM text, DER bytes, or anything with the DER in `raw` (Node's `X509Certificate`). */
export type ClientCertificate = string | Uint8Array | { readonly raw: Uint8Array }

/** Header values as a record: one string, or an array when the field occurred more than once. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * A request as fapi-guard reads it. A Fetch `Request` fits too. Adapters build it once per request.
 */
export interface RequestLike {
  /** HTTP method, as sent (`GET`, `POST`, …). */
  readonly method: string
  /** Absolute URL as the client addressed it (scheme, host, path, query). */
  readonly url: string
  /** Request headers: a Fetch `Headers`, or a record whose arrays keep repeated fields apart. */
  readonly headers: Headers | HeaderRecord
  /** The client certificate of the TLS connection, when there is one. */
  readonly clientCertificate?: ClientCertificate | undefined
  /**
   * The SHA-256 thumbprint of the TLS client certificate, base64url without padding (43 characters,
   * the form of `x5t#S256`), where the runtime gives a thumbprint instead of the certificate
   * (Cloudflare Workers: `request.cf.tlsClientAuth.certFingerprintSHA256`, in hex, converted). Read
   * only when a certificate-bound token asks; any other form is refused, and so is one that differs
   * from `clientCertificate` when both are given.
   */
  readonly clientCertificateThumbprint?: string | undefined
  /** IP address of the connection's peer; forwarded headers are believed only when it is in `proxy.trusted`. */
  readonly peerAddress?: string | undefined
}

/** Claims of a JWT access token (RFC 9068 §2.2), plus whatever else the issuer put in. */
export interface JWTAccessTokenClaims {
  readonly iss: string
  readonly exp: number
  readonly aud: string | string[]
  readonly sub?: string
  readonly client_id?: string
  readonly iat?: number
  readonly nbf?: number
  readonly jti?: string
  readonly scope?: string
  readonly cnf?: { readonly jkt?: string; readonly 'x5t#S256'?: string; readonly [member: string]: unknown }
  readonly [claim: string]: unknown
}

/**
 * The members of an active introspection answer (RFC 7662 §2.2), as the guard checked them: `active`
 * is `true` and `exp` a number; everything else is optional, since an authorization server may leave
 * it out (`iss` and `aud` included — `requireAudience` decides whether a missing `aud` is refused).
 */
export interface IntrospectedClaims {
  readonly active: true
  readonly exp: number
  readonly iss?: string
  readonly aud?: string | string[]
  readonly sub?: string
  readonly client_id?: string
  readonly username?: string
  readonly token_type?: string
  readonly scope?: string
  readonly iat?: number
  readonly nbf?: number
  readonly jti?: string
  readonly cnf?: { readonly jkt?: string; readonly 'x5t#S256'?: string; readonly [member: string]: unknown }
  readonly [claim: string]: unknown
}

/** How the token is bound to its sender. */
export interface TokenBinding {
  /** DPoP (RFC 9449): thumbprint of the proof key the token is bound to. */
  readonly dpop?: { readonly jkt: string }
  /** Certificate-bound (RFC 8705): SHA-256 thumbprint of the client certificate. */
  readonly mtls?: { readonly x5tS256: string }
}

/** What `verify` returns: the verified token and what it says. */
export interface AuthContext {
  /** The access token as presented. */
  readonly token: string
  /**
   * Its claims: a JWT's (`source: 'jwt'`) or the introspection answer's members (`source: 'introspection'`,
   * where `iss` and `aud` may be absent; `issuer` is always the issuer that vouched).
   */
  readonly claims: JWTAccessTokenClaims | IntrospectedClaims
  /** Where the claims came from. */
  readonly source: 'jwt' | 'introspection'
  /** The issuer that vouched for the token (one of the configured ones). */
  readonly issuer: string
  /** `sub`, when present. */
  readonly subject?: string
  /** `client_id`, when present. */
  readonly clientId?: string
  /** Granted scopes (`scope` split on spaces, or `scp`). */
  readonly scopes: readonly string[]
  /** Sender constraints that were verified for this request. */
  readonly binding: TokenBinding
  /** Headers the adapter must send on success (a fresh `DPoP-Nonce`, `x-fapi-interaction-id`). */
  readonly responseHeaders: Readonly<Record<string, string>>
  /** The FAPI interaction id of this request: the client's `x-fapi-interaction-id`, or a new UUID. */
  readonly interactionId?: string
  /** FAPI headers passed through untouched: `x-fapi-auth-date`, `x-fapi-customer-ip-address`. */
  readonly fapi?: { readonly authDate?: string; readonly customerIpAddress?: string }
  /** The token's `authorization_details` (RFC 9396 §9.1 JWT claim, §9.2 introspection member), checked and frozen; present only when the token carries them. */
  readonly authorizationDetails?: readonly AuthorizationDetail[]
}

/** Per-route requirements, for `verify` and `authorize`. */
export interface VerifyOptions {
  /** Scopes this route needs, on top of the guard-wide `scopes`. All are required. */
  readonly scopes?: readonly string[]
  /** Accepted `acr` values (RFC 9470); checked after, and in addition to, the guard-wide `acrValues`. */
  readonly acrValues?: readonly string[]
  /** Seconds allowed since the user authenticated (`auth_time`, RFC 9470); checked after, and in addition to, the guard-wide `maxAge`. */
  readonly maxAge?: number
  /** Claim requirements (`claimEquals`, `claimIncludes`, `claimCheck`), on top of the guard-wide `claims`. */
  readonly claims?: readonly ClaimRequirement[]
  /** RFC 9396 authorization details the token must carry, every requirement met by some detail; on top of the guard-wide `authorizationDetails`. */
  readonly authorizationDetails?: readonly AuthorizationDetailRequirement[]
}

/**
 * One RFC 9396 authorization detail as the token carries it: a `type`, the common members of §2.2
 * (arrays of strings, `identifier` a string) when present, and the type's own members.
 */
export interface AuthorizationDetail {
  readonly type: string
  readonly locations?: readonly string[]
  readonly actions?: readonly string[]
  readonly datatypes?: readonly string[]
  readonly identifier?: string
  readonly privileges?: readonly string[]
  readonly [member: string]: unknown
}

/**
 * A requirement on the token's authorization details (RFC 9396): met when SOME detail has this `type`,
 * includes every listed action, location, datatype and privilege, equals `identifier` when given, and
 * whose `check(detail, request)` returns `true` (anything else, or a throw, is not met). `request` is
 * what the caller has: the request given to `guard.verify`, or the framework's request object in the
 * adapters' per-route helpers (Express `req`, Koa `ctx`, Fastify `request`, Nest's HTTP request).
 */
export interface AuthorizationDetailRequirement<Request = unknown> {
  readonly type: string
  readonly actions?: readonly string[]
  readonly locations?: readonly string[]
  readonly datatypes?: readonly string[]
  readonly privileges?: readonly string[]
  readonly identifier?: string
  /** Type-specific fields: amount at most a limit, the creditor the request names… */
  check?(detail: AuthorizationDetail, request: Request): boolean
  /** The `error_description` when no detail meets the requirement; default: the type and what was listed. */
  readonly description?: string
}

/** A requirement on the token's claims, checked after the token verified (pipeline step 5): made by `claimEquals`, `claimIncludes`, `claimCheck`. */
export interface ClaimRequirement {
  /** Says what is required; it becomes the `error_description` when the requirement is not met. */
  readonly description: string
  /** True when `claims` meet the requirement. */
  readonly check: (claims: Readonly<Record<string, unknown>>) => boolean
}
