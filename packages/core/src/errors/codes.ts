/**
 * The closed set of fine-grained reasons a request is refused. Callers switch on `GuardError.code`.
 * Each code maps to exactly one HTTP status and OAuth error code (see `ERROR_TABLE`).
 */
export const ErrorCodes = {
  /** No `Authorization` header with a scheme this resource server accepts (RFC 6750 §3.1: no error code). */
  ERR_NO_CREDENTIALS: 'ERR_NO_CREDENTIALS',
  /** The `Authorization` header is not `scheme 1*SP token68` (RFC 6750 §2.1, RFC 9449 §7.1). */
  ERR_AUTHORIZATION_MALFORMED: 'ERR_AUTHORIZATION_MALFORMED',
  /** More than one `Authorization` header. */
  ERR_AUTHORIZATION_DUPLICATED: 'ERR_AUTHORIZATION_DUPLICATED',
  /** The token was sent by more than one method (header and `access_token` query parameter; RFC 6750 §2). */
  ERR_MULTIPLE_TOKEN_METHODS: 'ERR_MULTIPLE_TOKEN_METHODS',
  /** The request could not be read: no method or absolute URL, a malformed or repeated `Host`, a URL that cannot be checked (userinfo, fragment, dot segments). */
  ERR_REQUEST_INVALID: 'ERR_REQUEST_INVALID',
  /** The token is longer than `maxTokenLength`. */
  ERR_TOKEN_TOO_LARGE: 'ERR_TOKEN_TOO_LARGE',
  /** The token is not a compact JWS and no introspection is configured, or its segments do not decode. */
  ERR_TOKEN_MALFORMED: 'ERR_TOKEN_MALFORMED',
  /** JOSE header `typ` is not an accepted access-token type (RFC 9068 §4). */
  ERR_JWT_TYP_INVALID: 'ERR_JWT_TYP_INVALID',
  /** JOSE header `alg` is missing, `none`, symmetric, or outside the allow-list (RFC 8725 §3.1). */
  ERR_JWT_ALG_NOT_ALLOWED: 'ERR_JWT_ALG_NOT_ALLOWED',
  /** JOSE header `crit` is present; no extension is understood (RFC 7515 §4.1.11). */
  ERR_JWT_CRIT_UNSUPPORTED: 'ERR_JWT_CRIT_UNSUPPORTED',
  /** JOSE header `kid` is present but not a string. */
  ERR_JWT_KID_INVALID: 'ERR_JWT_KID_INVALID',
  /** `iss` is missing or not exactly one of the configured issuers. */
  ERR_JWT_ISSUER_INVALID: 'ERR_JWT_ISSUER_INVALID',
  /** `aud` is missing or names none of the configured audiences. */
  ERR_JWT_AUDIENCE_INVALID: 'ERR_JWT_AUDIENCE_INVALID',
  /** `exp` is in the past (beyond `clockTolerance`). */
  ERR_JWT_EXPIRED: 'ERR_JWT_EXPIRED',
  /** `nbf` is in the future (beyond `clockTolerance`). */
  ERR_JWT_NOT_YET_VALID: 'ERR_JWT_NOT_YET_VALID',
  /** `iat` is in the future (beyond `clockTolerance`). */
  ERR_JWT_ISSUED_IN_FUTURE: 'ERR_JWT_ISSUED_IN_FUTURE',
  /** `exp` lies further ahead than `maxTokenLifetime` (e.g. milliseconds instead of seconds). */
  ERR_JWT_LIFETIME_TOO_LONG: 'ERR_JWT_LIFETIME_TOO_LONG',
  /** A required claim is missing, or a claim has the wrong type. */
  ERR_JWT_CLAIM_INVALID: 'ERR_JWT_CLAIM_INVALID',
  /** No key of the issuer's key set fits the token's `kid` and `alg`. */
  ERR_JWKS_NO_MATCHING_KEY: 'ERR_JWKS_NO_MATCHING_KEY',
  /** The token has no `kid` and several keys of the issuer fit its `alg`. */
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  /** The issuer's key that fits is one anyone could sign for or too weak: RSA below 2048 or over 8192 bits or with an exponent outside 65537…2^32+1, an EC point off its curve, a small-order Ed25519 point. */
  ERR_JWT_KEY_TOO_WEAK: 'ERR_JWT_KEY_TOO_WEAK',
  /** The signature does not verify. */
  ERR_JWT_SIGNATURE_INVALID: 'ERR_JWT_SIGNATURE_INVALID',
  /** The issuer's keys (or metadata) could not be fetched and none are known: refused, never allowed. */
  ERR_JWKS_UNAVAILABLE: 'ERR_JWKS_UNAVAILABLE',
  /** The token carries no sender constraint (`cnf`), but the profile or options require one. */
  ERR_TOKEN_NOT_SENDER_CONSTRAINED: 'ERR_TOKEN_NOT_SENDER_CONSTRAINED',
  /** `cnf` is present but malformed, or names a binding this resource server cannot check. */
  ERR_CNF_INVALID: 'ERR_CNF_INVALID',
  /** A DPoP-bound token sent with the `Bearer` scheme, or an unbound token with the `DPoP` scheme (RFC 9449 §7.2). */
  ERR_DPOP_BINDING_SCHEME_MISMATCH: 'ERR_DPOP_BINDING_SCHEME_MISMATCH',
  /** The `DPoP` scheme was used without a `DPoP` proof header (RFC 9449 §7.1). */
  ERR_DPOP_PROOF_MISSING: 'ERR_DPOP_PROOF_MISSING',
  /** More than one `DPoP` header, or several proofs joined in one (RFC 9449 §4.3 check 1). */
  ERR_DPOP_PROOF_DUPLICATED: 'ERR_DPOP_PROOF_DUPLICATED',
  /** The proof is not a compact JWS with JSON header and claims (RFC 9449 §4.3 check 2). */
  ERR_DPOP_PROOF_MALFORMED: 'ERR_DPOP_PROOF_MALFORMED',
  /** Proof `typ` is not `dpop+jwt` (RFC 9449 §4.3 check 4). */
  ERR_DPOP_TYP_INVALID: 'ERR_DPOP_TYP_INVALID',
  /** Proof `alg` is not an allowed asymmetric algorithm (RFC 9449 §4.3 check 5). */
  ERR_DPOP_ALG_NOT_ALLOWED: 'ERR_DPOP_ALG_NOT_ALLOWED',
  /** Proof `jwk` is missing, private, weak, or does not fit `alg` (RFC 9449 §4.3 checks 5, 7). */
  ERR_DPOP_JWK_INVALID: 'ERR_DPOP_JWK_INVALID',
  /** Proof signature does not verify with its `jwk` (RFC 9449 §4.3 check 6). */
  ERR_DPOP_SIGNATURE_INVALID: 'ERR_DPOP_SIGNATURE_INVALID',
  /** A required proof claim is missing or has the wrong type (`jti`, `htm`, `htu`, `iat`, `ath`). */
  ERR_DPOP_CLAIM_INVALID: 'ERR_DPOP_CLAIM_INVALID',
  /** Proof `htm` is not the request method (RFC 9449 §4.3 check 8). */
  ERR_DPOP_HTM_MISMATCH: 'ERR_DPOP_HTM_MISMATCH',
  /** Proof `htu` is not the request URL after normalization (RFC 9449 §4.3 check 9). */
  ERR_DPOP_HTU_MISMATCH: 'ERR_DPOP_HTU_MISMATCH',
  /** Proof `iat` is outside the accepted window, or its `exp`/`nbf` say it is not valid now (RFC 9449 §11.1). */
  ERR_DPOP_IAT_OUT_OF_WINDOW: 'ERR_DPOP_IAT_OUT_OF_WINDOW',
  /** Proof `ath` is not the hash of the presented access token (RFC 9449 §4.3 check 12). */
  ERR_DPOP_ATH_MISMATCH: 'ERR_DPOP_ATH_MISMATCH',
  /** The proof key is not the key the token is bound to (`cnf.jkt`; RFC 9449 §6.1, §7.1 "Invalid DPoP key binding"). */
  ERR_DPOP_KEY_MISMATCH: 'ERR_DPOP_KEY_MISMATCH',
  /** The proof carries no nonce, and this resource server requires one (RFC 9449 §9). */
  ERR_DPOP_NONCE_REQUIRED: 'ERR_DPOP_NONCE_REQUIRED',
  /** The proof's nonce was not issued by this resource server, or has expired (RFC 9449 §8–9). */
  ERR_DPOP_NONCE_INVALID: 'ERR_DPOP_NONCE_INVALID',
  /** The proof's `jti` was already used inside its window (RFC 9449 §11.1). */
  ERR_DPOP_PROOF_REPLAYED: 'ERR_DPOP_PROOF_REPLAYED',
  /** The replay store is full of proofs still inside their window: refused rather than forgetting one. */
  ERR_REPLAY_STORE_FULL: 'ERR_REPLAY_STORE_FULL',
  /** The replay store failed or timed out: refused, since replay protection cannot be skipped. */
  ERR_REPLAY_STORE_UNAVAILABLE: 'ERR_REPLAY_STORE_UNAVAILABLE',
  /** A certificate-bound token arrived without a client certificate (RFC 8705 §3). */
  ERR_MTLS_CERTIFICATE_MISSING: 'ERR_MTLS_CERTIFICATE_MISSING',
  /** A certificate-bound token arrived with another client certificate (RFC 8705 §3). */
  ERR_MTLS_CERTIFICATE_MISMATCH: 'ERR_MTLS_CERTIFICATE_MISMATCH',
  /** The token lacks a scope the route needs (RFC 6750 §3.1). */
  ERR_INSUFFICIENT_SCOPE: 'ERR_INSUFFICIENT_SCOPE',
  /** The authentication behind the token does not meet the route's `acr` or `max_age` demands (RFC 9470 §3). */
  ERR_INSUFFICIENT_USER_AUTHENTICATION: 'ERR_INSUFFICIENT_USER_AUTHENTICATION',
  /** A claim requirement of the route (`claimEquals`, `claimIncludes`, `claimCheck`) is not met. */
  ERR_CLAIM_CHECK_FAILED: 'ERR_CLAIM_CHECK_FAILED',
  /** `authorization_details` is present but not an array of objects each with a non-empty string `type` and RFC 9396 §2.2's common members well typed. */
  ERR_AUTHORIZATION_DETAILS_INVALID: 'ERR_AUTHORIZATION_DETAILS_INVALID',
  /** No authorization detail of the token meets an `authorizationDetails` requirement of the route (RFC 9396; error code of draft-ietf-oauth-rar-metadata-remediation-00). */
  ERR_INSUFFICIENT_AUTHORIZATION_DETAILS: 'ERR_INSUFFICIENT_AUTHORIZATION_DETAILS',
  /** Introspection says the token is not active (`active` not the boolean `true`; RFC 7662 §2.2). */
  ERR_TOKEN_INACTIVE: 'ERR_TOKEN_INACTIVE',
  /** An active introspection result fails a check here: `exp`, `nbf`, `iss`, `aud`, or a member's type. */
  ERR_INTROSPECTION_CLAIM_INVALID: 'ERR_INTROSPECTION_CLAIM_INVALID',
  /** The introspection endpoint failed, timed out, or answered something untrustworthy: refused, never allowed. */
  ERR_INTROSPECTION_UNAVAILABLE: 'ERR_INTROSPECTION_UNAVAILABLE',
  /**
   * The guard could not decide because of a fault on the server, not in the request: a per-call
   * requirement that is not valid, a `clock` that answers no number, a bug. Refused with 500; the
   * error's `cause` (and `onDecision`'s `cause`) says what it was.
   */
  ERR_INTERNAL: 'ERR_INTERNAL',
} as const

/** One of the closed set of `ERR_*` codes. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

/** OAuth error codes a refusal carries (RFC 6750 §3.1, RFC 9449 §7.1, RFC 9470 §3, draft-ietf-oauth-rar-metadata-remediation-00; `temporarily_unavailable` for 503 and `server_error` for 500, as RFC 6749 §4.1.2.1 names them). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_user_authentication'
  | 'insufficient_authorization_details'
  | 'temporarily_unavailable'
  | 'server_error'

/** HTTP statuses a refusal carries. */
export type GuardErrorStatus = 400 | 401 | 403 | 500 | 503

export interface ErrorKind {
  readonly status: GuardErrorStatus
  /** `undefined` for "no credentials": the challenge then carries no error (RFC 6750 §3.1). */
  readonly error: OAuthErrorCode | undefined
}

const INVALID_REQUEST: ErrorKind = { status: 400, error: 'invalid_request' }
const INVALID_TOKEN: ErrorKind = { status: 401, error: 'invalid_token' }
const INVALID_DPOP_PROOF: ErrorKind = { status: 401, error: 'invalid_dpop_proof' }
const USE_DPOP_NONCE: ErrorKind = { status: 401, error: 'use_dpop_nonce' }
const UNAVAILABLE: ErrorKind = { status: 503, error: 'temporarily_unavailable' }

/** Status and OAuth error code of every `ERR_*` code. */
export const ERROR_TABLE: { readonly [C in ErrorCode]: ErrorKind } = {
  ERR_NO_CREDENTIALS: { status: 401, error: undefined },
  ERR_AUTHORIZATION_MALFORMED: INVALID_REQUEST,
  ERR_AUTHORIZATION_DUPLICATED: INVALID_REQUEST,
  ERR_MULTIPLE_TOKEN_METHODS: INVALID_REQUEST,
  ERR_REQUEST_INVALID: INVALID_REQUEST,
  ERR_TOKEN_TOO_LARGE: INVALID_TOKEN,
  ERR_TOKEN_MALFORMED: INVALID_TOKEN,
  ERR_JWT_TYP_INVALID: INVALID_TOKEN,
  ERR_JWT_ALG_NOT_ALLOWED: INVALID_TOKEN,
  ERR_JWT_CRIT_UNSUPPORTED: INVALID_TOKEN,
  ERR_JWT_KID_INVALID: INVALID_TOKEN,
  ERR_JWT_ISSUER_INVALID: INVALID_TOKEN,
  ERR_JWT_AUDIENCE_INVALID: INVALID_TOKEN,
  ERR_JWT_EXPIRED: INVALID_TOKEN,
  ERR_JWT_NOT_YET_VALID: INVALID_TOKEN,
  ERR_JWT_ISSUED_IN_FUTURE: INVALID_TOKEN,
  ERR_JWT_LIFETIME_TOO_LONG: INVALID_TOKEN,
  ERR_JWT_CLAIM_INVALID: INVALID_TOKEN,
  ERR_JWKS_NO_MATCHING_KEY: INVALID_TOKEN,
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: INVALID_TOKEN,
  ERR_JWT_KEY_TOO_WEAK: INVALID_TOKEN,
  ERR_JWT_SIGNATURE_INVALID: INVALID_TOKEN,
  ERR_JWKS_UNAVAILABLE: UNAVAILABLE,
  ERR_TOKEN_NOT_SENDER_CONSTRAINED: INVALID_TOKEN,
  ERR_CNF_INVALID: INVALID_TOKEN,
  ERR_DPOP_BINDING_SCHEME_MISMATCH: INVALID_TOKEN,
  ERR_DPOP_PROOF_MISSING: INVALID_DPOP_PROOF,
  ERR_DPOP_PROOF_DUPLICATED: INVALID_REQUEST,
  ERR_DPOP_PROOF_MALFORMED: INVALID_DPOP_PROOF,
  ERR_DPOP_TYP_INVALID: INVALID_DPOP_PROOF,
  ERR_DPOP_ALG_NOT_ALLOWED: INVALID_DPOP_PROOF,
  ERR_DPOP_JWK_INVALID: INVALID_DPOP_PROOF,
  ERR_DPOP_SIGNATURE_INVALID: INVALID_DPOP_PROOF,
  ERR_DPOP_CLAIM_INVALID: INVALID_DPOP_PROOF,
  ERR_DPOP_HTM_MISMATCH: INVALID_DPOP_PROOF,
  ERR_DPOP_HTU_MISMATCH: INVALID_DPOP_PROOF,
  ERR_DPOP_IAT_OUT_OF_WINDOW: INVALID_DPOP_PROOF,
  ERR_DPOP_ATH_MISMATCH: INVALID_DPOP_PROOF,
  ERR_DPOP_KEY_MISMATCH: INVALID_TOKEN,
  ERR_DPOP_NONCE_REQUIRED: USE_DPOP_NONCE,
  ERR_DPOP_NONCE_INVALID: USE_DPOP_NONCE,
  ERR_DPOP_PROOF_REPLAYED: INVALID_DPOP_PROOF,
  ERR_REPLAY_STORE_FULL: UNAVAILABLE,
  ERR_REPLAY_STORE_UNAVAILABLE: UNAVAILABLE,
  ERR_MTLS_CERTIFICATE_MISSING: INVALID_TOKEN,
  ERR_MTLS_CERTIFICATE_MISMATCH: INVALID_TOKEN,
  ERR_INSUFFICIENT_SCOPE: { status: 403, error: 'insufficient_scope' },
  ERR_INSUFFICIENT_USER_AUTHENTICATION: { status: 401, error: 'insufficient_user_authentication' },
  ERR_CLAIM_CHECK_FAILED: { status: 403, error: 'insufficient_scope' },
  ERR_AUTHORIZATION_DETAILS_INVALID: INVALID_TOKEN,
  ERR_INSUFFICIENT_AUTHORIZATION_DETAILS: { status: 403, error: 'insufficient_authorization_details' },
  ERR_TOKEN_INACTIVE: INVALID_TOKEN,
  ERR_INTROSPECTION_CLAIM_INVALID: INVALID_TOKEN,
  ERR_INTROSPECTION_UNAVAILABLE: UNAVAILABLE,
  ERR_INTERNAL: { status: 500, error: 'server_error' },
}
