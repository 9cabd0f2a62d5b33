import { checkPublicKeyStrength } from './keys/check-key-strength.js'
import { isPlainObject } from './lib/encoding.js'
import { isSecureOrLoopback, parseURL } from './lib/url.js'
import { compileTrustedProxies, type AddressMatcher } from './request/proxy-trust.js'
import type { ForwardedFamily } from './request/forwarded-elements.js'
import { CERTIFICATE_HEADERS, type CertificateHeader, type CertificateHeaderFormat } from './request/read-certificate-header.js'
import { createMemoryReplayStore } from './replay/memory-replay-store.js'
import type { ReplayStore } from './replay/replay-store.js'
import type { JSONWebKeySet, JWSAlgorithm, Profile, VerifyOptions } from './types.js'
import { assertionAlgorithm, type IntrospectionAuthMethod } from './introspection/authenticate-client.js'
import type { ClaimRequirement } from './authorization/claim-requirements.js'
import type { DecisionEvent } from './audit/decision-event.js'
import { createMemoryIntrospectionCache, type IntrospectionCacheStore } from './introspection/introspection-cache.js'
import type { JWK } from 'jose'

/** One trusted authorization server. */
export interface IssuerOptions {
  /** Issuer identifier; the token's `iss` must equal it exactly (RFC 9068 §4). */
  issuer: string
  /** Where its keys are; without this and `jwks`, found by discovery (RFC 8414, then OpenID Connect). */
  jwksUri?: string
  /** Its keys, inline. */
  jwks?: JSONWebKeySet
  /** Token introspection at this issuer (RFC 7662). */
  introspection?: IntrospectionOptions
}

/** Token introspection (RFC 7662, RFC 9701) settings of one issuer. */
export interface IntrospectionOptions {
  /** Introspection endpoint. Default: the issuer metadata's `introspection_endpoint`. */
  endpoint?: string
  /** This resource server's client id at the issuer. */
  clientId: string
  /** Secret for `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string
  /** Client authentication. Default `client_secret_basic`. */
  authMethod?: IntrospectionAuthMethod
  /** Private JWK for `private_key_jwt` (its `alg` and `kid` are used when present). */
  privateKey?: JWK
  /** Client certificate and key (PEM) for `tls_client_auth` (Node build; elsewhere give a `fetch` that does mTLS). */
  certificate?: { cert: string; key: string }
  /** `jwt` asks for RFC 9701 signed responses and accepts nothing else. Default `json`. */
  responseFormat?: 'json' | 'jwt'
  /** `opaque` (default): JWTs are verified locally, other tokens introspected. `all`: JWTs are also introspected (revocation). */
  tokens?: 'opaque' | 'all'
  /**
   * Refuse an active answer without an `aud` naming this API (default `true`; RFC 9068 §4 holds JWTs to
   * the same). `false` only for an authorization server that never sends `aud`: it must then answer
   * `active: false` to this client for every token that is not an access token for this API (refresh
   * tokens are active too). An `aud` that is present is checked either way.
   */
  requireAudience?: boolean
  /**
   * The fixed start of this issuer's opaque tokens (e.g. Ory Hydra's `ory_at_`). Opaque tokens go to
   * exactly one issuer: the one whose prefix they start with, else the one issuer without a prefix;
   * with a prefix set, other opaque tokens are never sent to this issuer. Needed when several issuers
   * introspect (all but one of them); JWTs go by their verified `iss`, never by prefix.
   */
  tokenPrefix?: string
  /** `false`, or `{ ttl?, negativeTtl?, store?, max? }` (seconds; defaults 60 and 10; in-memory store of 10 000). */
  cache?: false | { ttl?: number; negativeTtl?: number; store?: IntrospectionCacheStore; max?: number }
  /** Milliseconds one introspection call may take. Default 5000. */
  timeout?: number
}

/** DPoP (RFC 9449) settings. */
export interface DPoPOptions {
  /** Refuse every token that is not DPoP-bound. */
  required?: boolean
  /** Proof signing algorithms accepted (and advertised in the challenge's `algs`). Default: the profile's. */
  algorithms?: JWSAlgorithm[]
  /** Seconds a proof is accepted after its `iat`. Default 300. */
  proofMaxAge?: number
  /** Server nonces (RFC 9449 §9): HMAC secret(s), newest first, each at least 32 bytes; `lifetime` in seconds (default 120). */
  nonce?: { secret: string | Uint8Array | ReadonlyArray<string | Uint8Array>; lifetime?: number }
  /** Where used proof `jti`s are remembered. Default: in memory, 1 000 000 live entries (`createMemoryReplayStore`). */
  replayStore?: ReplayStore
}

/** Which connections are trusted proxies, and the public URL when it is fixed. */
export interface ProxyOptions {
  /** Peers whose forwarded headers are believed: IPv4/IPv6 addresses, CIDR ranges, `'loopback'`. */
  trusted?: readonly string[]
  /** The public base URL clients address (origin and optional path prefix); overrides forwarded headers. */
  publicUrl?: string
  /**
   * The header family trusted proxies write the client's scheme and host in: `'x-forwarded'`
   * (`X-Forwarded-Proto/Host/Port/Prefix`, hops counted by `X-Forwarded-For`; nginx, AWS ALB, Envoy,
   * Traefik) or `'forwarded'` (RFC 7239, hops counted by `for=`). The other family is never read: a
   * proxy passes through what it does not write, so a client could have written it. Default `'x-forwarded'`.
   */
  forwardedHeaders?: 'x-forwarded' | 'forwarded'
  /**
   * The header a trusted proxy forwards the client certificate in: a built-in name
   * (`x-forwarded-client-cert` Envoy, `x-amzn-mtls-clientcert` AWS ALB, `x-ssl-client-cert` nginx
   * `$ssl_client_escaped_cert`, `client-cert` RFC 9440), or `{ name, format }` for another name.
   */
  certificateHeader?: 'x-forwarded-client-cert' | 'x-amzn-mtls-clientcert' | 'x-ssl-client-cert' | 'client-cert' | { name: string; format: CertificateHeaderFormat }
}

/** Certificate-bound token (RFC 8705) settings. */
export interface MTLSOptions {
  /** Refuse every token that is not certificate-bound. */
  required?: boolean
}

/** Options of `createGuard`. Checked once, when the guard is created. */
export interface GuardOptions {
  /** Trusted issuer(s): an identifier, an `IssuerOptions`, or an array of either. */
  issuer: string | IssuerOptions | ReadonlyArray<string | IssuerOptions>
  /** This API's identifier(s); the token's `aud` must contain one. */
  audience: string | readonly string[]
  /** Key set URL for a single issuer. */
  jwksUri?: string
  /** Inline key set for a single issuer. */
  jwks?: JSONWebKeySet
  /** Token introspection for a single issuer (RFC 7662). */
  introspection?: IntrospectionOptions
  /** `fapi2` (default), `fapi1-advanced` or `oauth2`. */
  profile?: Profile
  /** Access-token signing algorithms allowed; a subset of the profile's. */
  algorithms?: JWSAlgorithm[]
  /** Seconds of leeway on `exp`, `nbf`, `iat`. Default 5. */
  clockTolerance?: number
  /** Scopes every request needs. */
  scopes?: readonly string[]
  /** `false` turns the `DPoP` scheme off (DPoP-bound tokens are then refused, never let through). */
  dpop?: false | DPoPOptions
  /** `false` stops offering certificate binding (certificate-bound tokens are then refused, never let through). */
  mtls?: false | MTLSOptions
  /** RFC 9728 protected resource metadata: served by the adapters, advertised in every challenge. */
  resource?: { identifier: string; name?: string; documentation?: string; scopes?: readonly string[] }
  /** Accepted `acr` values for every route (RFC 9470 step-up); per route with `requireAuthentication`. */
  acrValues?: readonly string[]
  /** Seconds allowed since the user authenticated (`auth_time`), for every route (RFC 9470). */
  maxAge?: number
  /** Claim requirements for every route (`claimEquals`, `claimIncludes`, `claimCheck`). */
  claims?: readonly ClaimRequirement[]
  /**
   * The claim scopes are read from: `scope` (space-delimited), `scp`, `permissions`, or another; or several,
   * tried in order, of which the first the token carries is read (`['scp', 'roles']`). Default: `scope`, else `scp`.
   */
  scopeClaim?: string | readonly string[]
  /**
   * The claim(s) `AuthContext.clientId` is read from, tried in order (`['azp', 'appid']`). Reading only: the
   * FAPI profiles still require `client_id` (RFC 9068 §2.2). Default `client_id`.
   */
  clientIdClaim?: string | readonly string[]
  /**
   * The claim `audience` is matched against: `aud` (default; RFC 9068 §4), or, under `oauth2` only, `client_id`
   * for issuers whose access tokens carry no `aud` (AWS Cognito). With `client_id`, a `token_use` claim must be
   * `access` and an `aud` that is present is checked as well.
   */
  audienceClaim?: 'aud' | 'client_id'
  /** Echo `x-fapi-interaction-id` (or send a new UUID) on every response. Default: on under `fapi1-advanced`, where FAPI 1.0 requires it. */
  interactionId?: boolean
  /** Called after every `verify` with what was decided and why; never with the token or a secret. */
  onDecision?: (event: DecisionEvent) => void
  /** Trusted proxies and the public URL, for the request URL DPoP proofs are checked against. */
  proxy?: ProxyOptions
  /** `realm` of the Bearer challenge. Default `"api"`. */
  realm?: string
  /** `false` leaves `error_description` out of challenges and bodies. Default `true`. */
  errorDescriptions?: boolean
  /** Longest access token accepted, in characters. Default 8192. */
  maxTokenLength?: number
  /** Furthest `exp` may lie ahead of now, in seconds. Default 86400. */
  maxTokenLifetime?: number
  /**
   * A token whose signature verified twice is remembered by SHA-256 until its `exp` (or until the
   * issuer's keys change), so from its third presentation on it skips the signature; `aud` and time
   * claims and the binding are still checked every time. A first sighting leaves only the hash (up to
   * `max` of them). `false` turns it off. Default `{ max: 10000 }`.
   */
  tokenCache?: false | { max?: number }
  /**
   * Node build: where signatures are verified. `'auto'` (default): on the calling thread while its
   * event loop has time to spare (lowest latency), on libuv's thread pool once it is busy and requests
   * overlap (throughput: the other cores verify while this one reads requests). `true`: always on the
   * thread pool; `false`: always on the calling thread. The Web Crypto build has no choice to make.
   */
  offloadSignatures?: 'auto' | boolean
  /** Accepted JOSE `typ` of access tokens. Default `['at+jwt']`; `'jwt'` (also no `typ`) only under `oauth2`. */
  tokenTypes?: ReadonlyArray<'at+jwt' | 'jwt'>
  /** Least seconds between two key-set fetches caused by an unknown `kid`. Default 30. */
  jwksCooldown?: number
  /** Seconds after which a key set is refreshed in the background. Default 600. */
  jwksCacheMaxAge?: number
  /** Milliseconds an outbound HTTP request (metadata, keys) may take. Default 5000. */
  httpTimeout?: number
  /** `fetch` used for metadata and keys (tests, proxies, custom agents). Default: the global `fetch`. */
  fetch?: typeof fetch
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number
}

export const DEFAULT_PROFILE: Profile = 'fapi2'
export const DEFAULT_CLOCK_TOLERANCE = 5
export const DEFAULT_REALM = 'api'
export const DEFAULT_MAX_TOKEN_LENGTH = 8192
export const DEFAULT_MAX_TOKEN_LIFETIME = 86_400
export const DEFAULT_JWKS_COOLDOWN = 30
export const DEFAULT_JWKS_CACHE_MAX_AGE = 600
export const DEFAULT_HTTP_TIMEOUT = 5000
export const DEFAULT_PROOF_MAX_AGE = 300
/** Seconds a DPoP proof's `iat` may lie ahead (FAPI 2.0 §5.3.2.1: up to 10 s ahead must be accepted). */
export const DPOP_PROOF_MAX_FUTURE = 10
export const DEFAULT_NONCE_LIFETIME = 120
export const MIN_NONCE_SECRET_BYTES = 32
export const DEFAULT_INTROSPECTION_TTL = 60
export const DEFAULT_INTROSPECTION_NEGATIVE_TTL = 10
const AUTH_METHODS: readonly IntrospectionAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth']
const INTROSPECTION_OPTIONS = ['endpoint', 'clientId', 'clientSecret', 'authMethod', 'privateKey', 'certificate', 'responseFormat', 'tokens', 'requireAudience', 'tokenPrefix', 'cache', 'timeout']
/** RFC 6750 §2.1 `b64token` characters (DPoP's `token68` is the same set): a prefix with others matches no token. */
const TOKEN_PREFIX = /^[A-Za-z0-9\-._~+/]+$/

/**
 * Algorithms each profile allows (FAPI 2.0 §5.4.1, FAPI 1.0 Part 2 §8.6, RFC 9068 §2.1). `Ed25519` is the
 * fully-specified name of EdDSA over Ed25519 (RFC 9864), which FAPI 2.0 allows and the `dpop` package and
 * oidc-provider use; `EdDSA` is accepted for the same keys.
 */
export const PROFILE_ALGORITHMS: Readonly<Record<Profile, readonly JWSAlgorithm[]>> = {
  fapi2: ['PS256', 'ES256', 'EdDSA', 'Ed25519'],
  'fapi1-advanced': ['PS256', 'ES256'],
  oauth2: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
}

const PROFILES: readonly Profile[] = ['fapi2', 'fapi1-advanced', 'oauth2']

const KNOWN_OPTIONS = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'jwks',
  'introspection',
  'profile',
  'algorithms',
  'clockTolerance',
  'scopes',
  'dpop',
  'mtls',
  'proxy',
  'resource',
  'acrValues',
  'maxAge',
  'claims',
  'scopeClaim',
  'clientIdClaim',
  'audienceClaim',
  'interactionId',
  'onDecision',
  'realm',
  'errorDescriptions',
  'maxTokenLength',
  'maxTokenLifetime',
  'tokenTypes',
  'tokenCache',
  'offloadSignatures',
  'jwksCooldown',
  'jwksCacheMaxAge',
  'httpTimeout',
  'fetch',
  'clock',
])

/** Where one issuer's keys come from. */
export type KeySource =
  | { readonly kind: 'static'; readonly jwks: JSONWebKeySet }
  | { readonly kind: 'remote'; readonly jwksUri: URL }
  | { readonly kind: 'discovery' }

/** Introspection settings after checking. */
export interface ResolvedIntrospection {
  readonly endpoint: URL | undefined
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly authMethod: IntrospectionAuthMethod
  readonly privateKey: JWK | undefined
  readonly certificate: { readonly cert: string; readonly key: string } | undefined
  readonly responseFormat: 'json' | 'jwt'
  readonly tokens: 'opaque' | 'all'
  readonly requireAudience: boolean
  readonly tokenPrefix: string | undefined
  readonly cache: { readonly store: IntrospectionCacheStore; readonly ttlMs: number; readonly negativeTtlMs: number } | undefined
  readonly timeoutMs: number
}

/** An issuer after checking. */
export interface ResolvedIssuer {
  readonly issuer: string
  readonly keys: KeySource
  readonly introspection: ResolvedIntrospection | undefined
}

/** Options after checking: what request-time code trusts. */
export interface ResolvedOptions {
  readonly profile: Profile
  readonly issuers: ReadonlyMap<string, ResolvedIssuer>
  readonly audiences: ReadonlySet<string>
  readonly algorithms: ReadonlySet<string>
  readonly clockTolerance: number
  readonly scopes: readonly string[]
  readonly dpop: {
    readonly enabled: boolean
    readonly required: boolean
    readonly algorithms: readonly JWSAlgorithm[]
    readonly proofMaxAge: number
    readonly nonce: { readonly secrets: readonly Uint8Array[]; readonly stepSeconds: number } | undefined
    readonly replayStore: ReplayStore
  }
  readonly proxy: {
    readonly trusted: AddressMatcher
    readonly publicUrl: URL | undefined
    readonly forwardedHeaders: ForwardedFamily
    readonly certificateHeader: CertificateHeader | undefined
  }
  readonly mtls: { readonly enabled: boolean; readonly required: boolean }
  /** Tokens without any `cnf` binding are refused (FAPI profiles). */
  readonly senderConstrained: boolean
  /** `sub`, `client_id`, `iat`, `jti` are required (RFC 9068 §2.2; FAPI profiles). */
  readonly requireAllClaims: boolean
  readonly realm: string
  readonly errorDescriptions: boolean
  readonly maxTokenLength: number
  readonly maxTokenLifetime: number
  readonly acceptPlainJwtTyp: boolean
  readonly resource: { readonly identifier: string; readonly name: string | undefined; readonly documentation: string | undefined; readonly scopes: readonly string[] | undefined } | undefined
  readonly acrValues: readonly string[] | undefined
  readonly maxAge: number | undefined
  readonly claims: readonly ClaimRequirement[]
  /** Claims scopes are read from, first present wins; `undefined`: `scope`, else `scp`. */
  readonly scopeClaim: readonly string[] | undefined
  /** Claims `AuthContext.clientId` is read from, first string wins. */
  readonly clientIdClaims: readonly string[]
  readonly audienceClaim: 'aud' | 'client_id'
  readonly interactionId: boolean
  readonly onDecision: ((event: DecisionEvent) => void) | undefined
  /** Most verified tokens remembered; 0 when the cache is off. */
  readonly tokenCacheMax: number
  readonly offloadSignatures: 'auto' | boolean
  readonly jwksCooldownMs: number
  readonly jwksCacheMaxAgeMs: number
  readonly httpTimeoutMs: number
  readonly fetch: typeof fetch
  readonly clock: () => number
}

function fail(option: string, problem: string): never {
  throw new TypeError(`fapi-guard: option "${option}" ${problem}`)
}

function checkNumber(option: string, value: unknown, fallback: number, { min = 0, integer = false } = {}): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    fail(option, `must be a finite ${integer ? 'integer' : 'number'} of at least ${min}`)
  }
  return value
}

function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(option, 'must be a boolean')
  return value
}

function checkStringList(option: string, value: unknown, { allowEmpty }: { allowEmpty: boolean }): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list)) fail(option, 'must be a string or an array of strings')
  if (!allowEmpty && list.length === 0) fail(option, 'must not be empty')
  for (const item of list) {
    if (typeof item !== 'string' || item.length === 0) fail(option, 'must contain only non-empty strings')
  }
  return list as string[]
}

function checkScopeTokens(option: string, value: unknown): string[] {
  const scopes = typeof value === 'string' ? [value] : value
  if (!Array.isArray(scopes)) fail(option, 'must be a string or an array of strings')
  // RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  for (const scope of scopes as unknown[]) {
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      fail(option, `has ${JSON.stringify(scope)}, which is not a valid scope token`)
    }
  }
  return scopes as string[]
}

function checkAlgorithms(option: string, value: unknown, allowed: readonly JWSAlgorithm[], profile: Profile): JWSAlgorithm[] {
  if (value === undefined) return [...allowed]
  const list = checkStringList(option, value, { allowEmpty: false })
  for (const alg of list) {
    if (!(allowed as readonly string[]).includes(alg)) {
      fail(option, `has "${alg}", which profile "${profile}" does not allow (allowed: ${allowed.join(', ')})`)
    }
  }
  return [...new Set(list)] as JWSAlgorithm[]
}

function checkKeyURL(option: string, value: unknown): URL {
  if (typeof value !== 'string') fail(option, 'must be a URL string')
  const url = parseURL(value)
  if (url === undefined) fail(option, `is not an absolute URL`)
  if (!isSecureOrLoopback(url)) fail(option, 'must use https (plain http only on loopback hosts)')
  return url
}

function checkJWKS(option: string, value: unknown): JSONWebKeySet {
  if (!isPlainObject(value) || !Array.isArray(value.keys)) fail(option, 'must be a JSON Web Key Set: { keys: [...] }')
  for (const key of value.keys as unknown[]) {
    if (!isPlainObject(key) || typeof key.kty !== 'string') fail(option, 'must contain only JWK objects with a "kty"')
    for (const member of PRIVATE_JWK_MEMBERS) {
      if (member in key) fail(option, `contains a private or secret key member "${member}"; give public keys only`)
    }
    const weakness = checkPublicKeyStrength(key)
    if (weakness !== undefined) fail(option, `contains a key that is refused: ${weakness}`)
  }
  return { keys: (value.keys as JWK[]).map((key) => ({ ...key })) }
}

/** JWK members that only private or secret keys have (RFC 7518 §6). */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** The name of an issuer member in messages: top-level (`jwksUri`) for the single string issuer, else `issuer[1].jwksUri`. */
function memberName(option: string, member: string): string {
  return option === 'issuer' ? member : `${option}.${member}`
}

function checkIssuer(option: string, value: unknown, clock: (() => number) | undefined): ResolvedIssuer {
  const entry = typeof value === 'string' ? { issuer: value } : value
  if (!isPlainObject(entry)) fail(option, 'must be an issuer identifier or { issuer, jwksUri?, jwks?, introspection? }')
  for (const key of Object.keys(entry)) {
    if (!['issuer', 'jwksUri', 'jwks', 'introspection'].includes(key)) fail(`${option}.${key}`, 'is not a known issuer option')
  }
  const { issuer, jwksUri, jwks } = entry
  if (typeof issuer !== 'string' || issuer.length === 0) fail(`${option}`, 'must name a non-empty issuer identifier')
  if (issuer.trim() !== issuer) fail(option, `"${issuer}" has surrounding whitespace, so no token's "iss" could ever match it`)
  const url = parseURL(issuer)
  if (url === undefined) fail(option, `"${issuer}" is not an absolute URL`)
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    fail(option, `"${issuer}" must not have a query or fragment (RFC 8414 §2)`)
  }
  if (jwksUri !== undefined && jwks !== undefined) fail(option, 'takes "jwksUri" or "jwks", not both')
  const introspection = checkIntrospection(memberName(option, 'introspection'), entry.introspection, clock)
  const needsDiscovery = (jwks === undefined && jwksUri === undefined) || (introspection !== undefined && introspection.endpoint === undefined)
  if (needsDiscovery && !isSecureOrLoopback(url)) {
    fail(option, `"${issuer}" must use https for discovery (plain http only on loopback hosts)`)
  }
  const keys: KeySource =
    jwks !== undefined
      ? { kind: 'static', jwks: checkJWKS(memberName(option, 'jwks'), jwks) }
      : jwksUri !== undefined
        ? { kind: 'remote', jwksUri: checkKeyURL(memberName(option, 'jwksUri'), jwksUri) }
        : { kind: 'discovery' }
  return { issuer, keys, introspection }
}

function checkIntrospection(option: string, value: unknown, clock: (() => number) | undefined): ResolvedIntrospection | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail(option, 'must be { clientId, ... }')
  for (const key of Object.keys(value)) if (!INTROSPECTION_OPTIONS.includes(key)) fail(`${option}.${key}`, 'is not a known option')
  const { clientId, clientSecret, privateKey, certificate } = value
  if (typeof clientId !== 'string' || clientId.length === 0) fail(`${option}.clientId`, 'must be a non-empty string')
  const authMethod = (value.authMethod ?? 'client_secret_basic') as IntrospectionAuthMethod
  if (!AUTH_METHODS.includes(authMethod)) fail(`${option}.authMethod`, `must be one of ${AUTH_METHODS.join(', ')}`)
  const usesSecret = authMethod === 'client_secret_basic' || authMethod === 'client_secret_post'
  if (usesSecret && (typeof clientSecret !== 'string' || clientSecret.length === 0)) {
    fail(`${option}.clientSecret`, `is required for ${authMethod}`)
  }
  if (!usesSecret && clientSecret !== undefined) fail(`${option}.clientSecret`, `is not used by ${authMethod}`)
  if (authMethod === 'private_key_jwt') {
    if (!isPlainObject(privateKey) || typeof privateKey.d !== 'string' || assertionAlgorithm(privateKey as JWK) === undefined) {
      fail(`${option}.privateKey`, 'must be a private JWK (RSA, EC or OKP) for private_key_jwt')
    }
  } else if (privateKey !== undefined) fail(`${option}.privateKey`, 'is only used by private_key_jwt')
  if (authMethod === 'tls_client_auth') {
    if (!isPlainObject(certificate) || typeof certificate.cert !== 'string' || typeof certificate.key !== 'string') {
      fail(`${option}.certificate`, 'must be { cert, key } (PEM) for tls_client_auth')
    }
  } else if (certificate !== undefined) fail(`${option}.certificate`, 'is only used by tls_client_auth')
  const responseFormat = value.responseFormat ?? 'json'
  if (responseFormat !== 'json' && responseFormat !== 'jwt') fail(`${option}.responseFormat`, 'must be "json" or "jwt"')
  const tokens = value.tokens ?? 'opaque'
  if (tokens !== 'opaque' && tokens !== 'all') fail(`${option}.tokens`, 'must be "opaque" or "all"')
  const requireAudience = value.requireAudience === undefined ? true : value.requireAudience
  if (typeof requireAudience !== 'boolean') fail(`${option}.requireAudience`, 'must be true or false')
  const tokenPrefix = value.tokenPrefix
  if (tokenPrefix !== undefined && (typeof tokenPrefix !== 'string' || !TOKEN_PREFIX.test(tokenPrefix))) {
    fail(`${option}.tokenPrefix`, 'must be a non-empty string of access-token characters (RFC 6750 b64token)')
  }
  return {
    endpoint: value.endpoint === undefined ? undefined : checkKeyURL(`${option}.endpoint`, value.endpoint),
    clientId,
    clientSecret: clientSecret as string | undefined,
    authMethod,
    privateKey: privateKey as JWK | undefined,
    certificate: certificate as { cert: string; key: string } | undefined,
    responseFormat,
    tokens,
    requireAudience,
    tokenPrefix,
    cache: checkIntrospectionCache(`${option}.cache`, value.cache, clock),
    timeoutMs: checkNumber(`${option}.timeout`, value.timeout, DEFAULT_HTTP_TIMEOUT, { min: 1 }),
  }
}

function checkIntrospectionCache(option: string, value: unknown, clock: (() => number) | undefined): ResolvedIntrospection['cache'] {
  if (value === false) return undefined
  const settings = checkSwitch(option, value, ['ttl', 'negativeTtl', 'store', 'max'])
  if (settings === false) return undefined
  const store = settings.store
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof (store as IntrospectionCacheStore).get !== 'function' || typeof (store as IntrospectionCacheStore).set !== 'function')) {
    fail(`${option}.store`, 'must have get(key) and set(key, response, ttlMs) methods')
  }
  const max = checkNumber(`${option}.max`, settings.max, 10_000, { min: 1, integer: true })
  return {
    store: (store as IntrospectionCacheStore | undefined) ?? createMemoryIntrospectionCache({ max, ...(clock !== undefined && { clock }) }),
    ttlMs: checkNumber(`${option}.ttl`, settings.ttl, DEFAULT_INTROSPECTION_TTL) * 1000,
    negativeTtlMs: checkNumber(`${option}.negativeTtl`, settings.negativeTtl, DEFAULT_INTROSPECTION_NEGATIVE_TTL) * 1000,
  }
}

function checkIssuers(options: GuardOptions): Map<string, ResolvedIssuer> {
  const { issuer, jwksUri, jwks, introspection } = options
  if (issuer === undefined) fail('issuer', 'is required')
  const list = Array.isArray(issuer) ? issuer : [issuer]
  if (list.length === 0) fail('issuer', 'must not be empty')
  const topLevel = jwksUri !== undefined ? 'jwksUri' : jwks !== undefined ? 'jwks' : introspection !== undefined ? 'introspection' : undefined
  if (topLevel !== undefined && (list.length !== 1 || typeof list[0] !== 'string')) {
    fail(topLevel, 'applies to a single issuer string; give it inside each issuer entry')
  }
  const issuers = new Map<string, ResolvedIssuer>()
  list.forEach((entry, index) => {
    const name = Array.isArray(issuer) ? `issuer[${index}]` : 'issuer'
    const withTopLevelKeys =
      typeof entry === 'string' && topLevel !== undefined
        ? {
            issuer: entry,
            ...(jwksUri !== undefined && { jwksUri }),
            ...(jwks !== undefined && { jwks }),
            ...(introspection !== undefined && { introspection }),
          }
        : entry
    const resolved = checkIssuer(name, withTopLevelKeys, options.clock)
    if (issuers.has(resolved.issuer)) fail(name, `repeats issuer "${resolved.issuer}"`)
    issuers.set(resolved.issuer, resolved)
  })
  checkTokenRouting(issuers)
  return issuers
}

/**
 * An opaque token must go to exactly one issuer (sending it to each in turn shows every issuer the
 * others' tokens): with several issuers that introspect, at most one may lack `tokenPrefix`, and no
 * prefix may start another (a token would match both).
 */
function checkTokenRouting(issuers: ReadonlyMap<string, ResolvedIssuer>): void {
  const introspecting = [...issuers.values()].filter((entry) => entry.introspection !== undefined)
  if (introspecting.length < 2) return
  const unprefixed = introspecting.filter((entry) => entry.introspection?.tokenPrefix === undefined)
  if (unprefixed.length > 1) {
    fail(
      'issuer',
      `has ${unprefixed.length} issuers that introspect without "introspection.tokenPrefix" (${unprefixed.map((entry) => `"${entry.issuer}"`).join(', ')}): ` +
        'an opaque token could not be sent to exactly one of them; give all but one a tokenPrefix',
    )
  }
  const prefixed = introspecting.flatMap((entry) => (entry.introspection?.tokenPrefix === undefined ? [] : [[entry.issuer, entry.introspection.tokenPrefix] as const]))
  for (const [issuer, prefix] of prefixed) {
    for (const [other, otherPrefix] of prefixed) {
      if (issuer !== other && otherPrefix.startsWith(prefix)) {
        fail('issuer', `has token prefixes that overlap: "${prefix}" of "${issuer}" also matches tokens of "${other}" ("${otherPrefix}")`)
      }
    }
  }
}

function checkSwitch(option: string, value: unknown, known: readonly string[]): Record<string, unknown> | false {
  if (value === false) return false
  if (value === undefined || value === true) return {}
  if (!isPlainObject(value)) fail(option, 'must be false or an options object')
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`${option}.${key}`, 'is not a known option')
  }
  return value
}

export const DEFAULT_TOKEN_CACHE_MAX = 10_000

function checkFunction(option: string, value: unknown): unknown {
  if (value !== undefined && typeof value !== 'function') fail(option, 'must be a function')
  return value
}

/**
 * Checks per-route requirements once, where the route is declared (adapters' `requireScopes`,
 * `requireAuthentication`, `requireClaims`, decorators): a `TypeError` naming `where` for an invalid
 * scope token, an empty list, a negative or fractional `maxAge`, or something that is not a claim requirement.
 */
export function checkRequirements(requirements: VerifyOptions, where: string): VerifyOptions {
  if (!isPlainObject(requirements)) throw new TypeError(`fapi-guard: ${where} needs requirements`)
  const { scopes, acrValues, maxAge, claims } = requirements
  if (scopes === undefined && acrValues === undefined && maxAge === undefined && claims === undefined) {
    throw new TypeError(`fapi-guard: ${where} names no requirement (scopes, acrValues, maxAge or claims)`)
  }
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || scopes.length === 0) fail(`${where} scopes`, 'must name at least one scope')
    checkScopeTokens(`${where} scopes`, scopes)
  }
  if (acrValues !== undefined) {
    // Used as given (not normalized), so a lone string is refused here rather than matched by substring later.
    if (!Array.isArray(acrValues)) fail(`${where} acrValues`, 'must be an array of ACR values')
    checkAcrValues(`${where} acrValues`, acrValues)
  }
  if (maxAge !== undefined) checkNumber(`${where} maxAge`, maxAge, 0, { integer: true })
  if (claims !== undefined) {
    if (!Array.isArray(claims) || claims.length === 0) fail(`${where} claims`, 'must hold at least one claim requirement')
    checkClaimRequirementList(`${where} claims`, claims)
  }
  return requirements
}

/** Claim requirements made by `claimEquals`, `claimIncludes`, `claimCheck`. */
export function checkClaimRequirementList(option: string, value: unknown): ClaimRequirement[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(option, 'must be an array of claim requirements (claimEquals, claimIncludes, claimCheck)')
  for (const item of value as unknown[]) {
    if (!isPlainObject(item) || typeof item.check !== 'function' || typeof item.description !== 'string') {
      fail(option, 'must contain only claim requirements made by claimEquals, claimIncludes or claimCheck')
    }
  }
  return value as ClaimRequirement[]
}

function checkResource(value: unknown): ResolvedOptions['resource'] {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail('resource', 'must be { identifier, name?, documentation?, scopes? }')
  for (const key of Object.keys(value)) {
    if (!['identifier', 'name', 'documentation', 'scopes'].includes(key)) fail(`resource.${key}`, 'is not a known option')
  }
  const raw = value.identifier
  const identifier = typeof raw === 'string' ? parseURL(raw) : undefined
  if (identifier === undefined || identifier.protocol !== 'https:' && !(identifier.protocol === 'http:' && isSecureOrLoopback(identifier))) {
    fail('resource.identifier', 'must be an https URL (plain http only on loopback hosts)')
  }
  // An empty `?` or `#` parses to an empty search or hash, so the text is checked too.
  if (identifier.hash !== '' || identifier.search !== '' || /[?#]/.test(raw as string)) {
    fail('resource.identifier', 'must not have a query or fragment (RFC 9728 §1.2)')
  }
  // `resource` is served as given and clients compare it exactly (RFC 9728 §3.3); the URL parser would
  // trim or encode these, so the metadata URL and `resource` would no longer agree.
  if (/[\x00-\x20\x7F]/.test(raw as string)) fail('resource.identifier', 'must not contain whitespace or control characters')
  if (identifier.username !== '' || identifier.password !== '') fail('resource.identifier', 'must not have userinfo (the metadata is public)')
  for (const key of ['name', 'documentation'] as const) {
    // RFC 9728 §3.2: members with no value are left out, never sent empty.
    if (value[key] !== undefined && (typeof value[key] !== 'string' || value[key] === '')) fail(`resource.${key}`, 'must be a non-empty string')
  }
  if (value.documentation !== undefined && parseURL(value.documentation as string) === undefined) fail('resource.documentation', 'must be a URL')
  return {
    identifier: value.identifier as string,
    name: value.name as string | undefined,
    documentation: value.documentation as string | undefined,
    scopes: value.scopes === undefined ? undefined : checkScopeTokens('resource.scopes', value.scopes),
  }
}

/** RFC 9470 §3: `acr_values` is space-separated, so no value may hold whitespace (or a control character, which a challenge drops). */
function checkAcrValues(option: string, value: unknown): string[] {
  const list = checkStringList(option, value, { allowEmpty: false })
  for (const acr of list) {
    if (/[\x00-\x20\x7F]/.test(acr)) fail(option, `has ${JSON.stringify(acr)}; ACR values cannot contain whitespace or control characters`)
  }
  return list
}

/** A claim name, or a non-empty list of them tried in order (`scopeClaim`, `clientIdClaim`). */
function checkClaimNames(option: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  const list: unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((name) => typeof name === 'string' && name.length > 0)) {
    fail(option, 'must be a non-empty string (a claim name) or a non-empty array of them')
  }
  return list as string[]
}

function checkAudienceClaim(value: unknown, fapi: boolean): 'aud' | 'client_id' {
  if (value === undefined || value === 'aud') return 'aud'
  if (value !== 'client_id') fail('audienceClaim', 'must be "aud" or "client_id"')
  if (fapi) fail('audienceClaim', 'may be "client_id" only under profile "oauth2" (RFC 9068 requires "aud")')
  return value
}

function checkTokenCache(value: unknown): number {
  const settings = checkSwitch('tokenCache', value, ['max'])
  return settings === false ? 0 : checkNumber('tokenCache.max', settings.max, DEFAULT_TOKEN_CACHE_MAX, { min: 1, integer: true })
}

function checkOffloadSignatures(value: unknown): 'auto' | boolean {
  if (value === undefined) return 'auto'
  if (value !== 'auto' && typeof value !== 'boolean') fail('offloadSignatures', 'must be "auto", true or false')
  return value
}

function checkNonceOptions(value: unknown): ResolvedOptions['dpop']['nonce'] {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail('dpop.nonce', 'must be { secret, lifetime? }')
  for (const key of Object.keys(value)) if (key !== 'secret' && key !== 'lifetime') fail(`dpop.nonce.${key}`, 'is not a known option')
  const list = Array.isArray(value.secret) ? (value.secret as unknown[]) : [value.secret]
  if (list.length === 0) fail('dpop.nonce.secret', 'must not be empty')
  const secrets = list.map((secret) => {
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
    if (!(bytes instanceof Uint8Array) || bytes.length < MIN_NONCE_SECRET_BYTES) {
      fail('dpop.nonce.secret', `must be strings or bytes of at least ${MIN_NONCE_SECRET_BYTES} bytes each`)
    }
    return new Uint8Array(bytes)
  })
  return { secrets, stepSeconds: checkNumber('dpop.nonce.lifetime', value.lifetime, DEFAULT_NONCE_LIFETIME, { min: 1, integer: true }) }
}

function checkReplayStore(value: unknown, clock: (() => number) | undefined): ReplayStore {
  if (value === undefined) return createMemoryReplayStore(clock === undefined ? {} : { clock })
  if (!isPlainObject(value) && typeof value !== 'object') fail('dpop.replayStore', 'must be a ReplayStore')
  if (typeof (value as ReplayStore).useOnce !== 'function') fail('dpop.replayStore', 'must have a useOnce(key, expiresAt) method')
  return value as ReplayStore
}

function checkProxy(value: unknown): ResolvedOptions['proxy'] {
  if (value === undefined) return { trusted: () => false, publicUrl: undefined, forwardedHeaders: DEFAULT_FORWARDED_HEADERS, certificateHeader: undefined }
  if (!isPlainObject(value)) fail('proxy', 'must be { trusted?, publicUrl?, forwardedHeaders?, certificateHeader? }')
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(PROXY_KEYS, key)) fail(`proxy.${key}`, 'is not a known option')
  }
  const forwardedHeaders = value.forwardedHeaders ?? DEFAULT_FORWARDED_HEADERS
  if (forwardedHeaders !== 'x-forwarded' && forwardedHeaders !== 'forwarded') fail('proxy.forwardedHeaders', 'must be "x-forwarded" or "forwarded"')
  const trusted = value.trusted === undefined ? [] : checkStringList('proxy.trusted', value.trusted, { allowEmpty: true })
  const { matcher, invalid } = compileTrustedProxies(trusted)
  if (invalid.length > 0) fail('proxy.trusted', `has "${invalid[0]}", which is not an IP address, a CIDR range or "loopback"`)
  let publicUrl: URL | undefined
  if (value.publicUrl !== undefined) {
    publicUrl = typeof value.publicUrl === 'string' ? parseURL(value.publicUrl) : undefined
    if (publicUrl === undefined || (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:')) {
      fail('proxy.publicUrl', 'must be an absolute http(s) URL')
    }
    if (publicUrl.search !== '' || publicUrl.hash !== '' || publicUrl.username !== '') {
      fail('proxy.publicUrl', 'must not have a query, fragment or userinfo')
    }
  }
  const certificateHeader = checkCertificateHeader(value.certificateHeader)
  if (certificateHeader !== undefined && trusted.length === 0) {
    fail('proxy.certificateHeader', 'is read only from trusted proxies, and "proxy.trusted" is empty')
  }
  return { trusted: matcher, publicUrl, forwardedHeaders, certificateHeader }
}

const PROXY_KEYS = { trusted: true, publicUrl: true, forwardedHeaders: true, certificateHeader: true } satisfies Record<keyof ProxyOptions, true>
/** Most proxies (nginx, AWS ALB, Envoy, Traefik, HAProxy's `forwardfor`) write `X-Forwarded-*`. */
const DEFAULT_FORWARDED_HEADERS: ForwardedFamily = 'x-forwarded'

const CERTIFICATE_FORMATS: readonly CertificateHeaderFormat[] = ['envoy', 'aws-alb', 'nginx', 'rfc9440']
const RESERVED_HEADERS = /^(authorization|dpop|host|forwarded|x-forwarded-(for|host|proto|port|prefix)|cookie|content-.*)$/i

function checkCertificateHeader(value: unknown): CertificateHeader | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') {
    const format = CERTIFICATE_HEADERS[value.toLowerCase()]
    if (format === undefined) fail('proxy.certificateHeader', `must be one of ${Object.keys(CERTIFICATE_HEADERS).join(', ')}, or { name, format }`)
    return { name: value.toLowerCase(), format }
  }
  if (!isPlainObject(value) || typeof value.name !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value.name)) {
    fail('proxy.certificateHeader', 'must be a built-in header name or { name, format } with a valid header name')
  }
  for (const key of Object.keys(value)) if (key !== 'name' && key !== 'format') fail(`proxy.certificateHeader.${key}`, 'is not a known option')
  if (RESERVED_HEADERS.test(value.name)) fail('proxy.certificateHeader.name', `"${value.name}" is a header with another meaning`)
  if (!CERTIFICATE_FORMATS.includes(value.format as CertificateHeaderFormat)) {
    fail('proxy.certificateHeader.format', `must be one of ${CERTIFICATE_FORMATS.join(', ')}`)
  }
  return { name: value.name.toLowerCase(), format: value.format as CertificateHeaderFormat }
}

/** Checks every option and fills in defaults; throws a `TypeError` naming the option and the problem. */
export function resolveOptions(options: GuardOptions): ResolvedOptions {
  if (!isPlainObject(options)) throw new TypeError('fapi-guard: options must be an object')
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) fail(key, 'is not a known option')
  }
  const profile = options.profile ?? DEFAULT_PROFILE
  if (!PROFILES.includes(profile)) fail('profile', `must be one of ${PROFILES.join(', ')}`)
  const fapi = profile !== 'oauth2'
  const profileAlgorithms = PROFILE_ALGORITHMS[profile]

  const audiences = checkStringList('audience', options.audience, { allowEmpty: false })
  const algorithms = checkAlgorithms('algorithms', options.algorithms, profileAlgorithms, profile)

  const dpopOptions = checkSwitch('dpop', options.dpop, ['required', 'algorithms', 'proofMaxAge', 'nonce', 'replayStore'])
  const mtlsOptions = checkSwitch('mtls', options.mtls, ['required'])
  const dpopRequired = dpopOptions !== false && checkBoolean('dpop.required', dpopOptions.required, false)
  const dpopAlgorithms =
    dpopOptions === false ? [] : checkAlgorithms('dpop.algorithms', dpopOptions.algorithms, profileAlgorithms, profile)
  const mtlsRequired =
    mtlsOptions !== false && checkBoolean('mtls.required', mtlsOptions.required, profile === 'fapi1-advanced')
  if (profile === 'fapi1-advanced' && mtlsOptions === false) fail('mtls', 'cannot be false under profile "fapi1-advanced" (RFC 8705 is required)')
  if (dpopRequired && mtlsRequired) fail('dpop.required', 'and "mtls.required" cannot both be true')

  const tokenTypes = checkStringList('tokenTypes', options.tokenTypes ?? ['at+jwt'], { allowEmpty: false })
  for (const typ of tokenTypes) {
    if (typ !== 'at+jwt' && typ !== 'jwt') fail('tokenTypes', `has "${typ}"; only "at+jwt" and "jwt" are known`)
    if (typ === 'jwt' && fapi) fail('tokenTypes', `may include "jwt" only under profile "oauth2" (RFC 9068 explicit typing)`)
  }
  if (!tokenTypes.includes('at+jwt')) fail('tokenTypes', 'must include "at+jwt"')

  const realm = options.realm ?? DEFAULT_REALM
  if (typeof realm !== 'string' || !/^[\x20-\x7E]*$/.test(realm)) fail('realm', 'must be a string of printable ASCII')
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch', 'must be a function')
  if (options.clock !== undefined && typeof options.clock !== 'function') fail('clock', 'must be a function returning milliseconds')
  if (options.clock !== undefined && !Number.isFinite(options.clock())) fail('clock', 'returned a time that is not a finite number')
  if (fapi && dpopOptions === false && mtlsOptions === false) {
    fail('dpop', `and "mtls" cannot both be false under profile "${profile}", which requires sender-constrained tokens`)
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function') fail('fetch', 'is required: this runtime has no global fetch')

  return {
    profile,
    issuers: checkIssuers(options),
    audiences: new Set(audiences),
    algorithms: new Set(algorithms),
    clockTolerance: checkNumber('clockTolerance', options.clockTolerance, DEFAULT_CLOCK_TOLERANCE),
    scopes: checkScopeTokens('scopes', options.scopes ?? []),
    dpop: {
      enabled: dpopOptions !== false,
      required: dpopRequired,
      algorithms: dpopAlgorithms,
      proofMaxAge: checkNumber('dpop.proofMaxAge', dpopOptions === false ? undefined : dpopOptions.proofMaxAge, DEFAULT_PROOF_MAX_AGE, { min: 1 }),
      nonce: dpopOptions === false ? undefined : checkNonceOptions(dpopOptions.nonce),
      replayStore: checkReplayStore(dpopOptions === false ? undefined : dpopOptions.replayStore, options.clock),
    },
    proxy: checkProxy(options.proxy),
    mtls: { enabled: mtlsOptions !== false, required: mtlsRequired },
    senderConstrained: fapi,
    requireAllClaims: fapi,
    realm,
    errorDescriptions: checkBoolean('errorDescriptions', options.errorDescriptions, true),
    maxTokenLength: checkNumber('maxTokenLength', options.maxTokenLength, DEFAULT_MAX_TOKEN_LENGTH, { min: 16, integer: true }),
    maxTokenLifetime: checkNumber('maxTokenLifetime', options.maxTokenLifetime, DEFAULT_MAX_TOKEN_LIFETIME, { min: 1 }),
    acceptPlainJwtTyp: tokenTypes.includes('jwt'),
    tokenCacheMax: checkTokenCache(options.tokenCache),
    offloadSignatures: checkOffloadSignatures(options.offloadSignatures),
    resource: checkResource(options.resource),
    acrValues: options.acrValues === undefined ? undefined : checkAcrValues('acrValues', options.acrValues),
    maxAge: options.maxAge === undefined ? undefined : checkNumber('maxAge', options.maxAge, 0, { integer: true }),
    claims: checkClaimRequirementList('claims', options.claims),
    scopeClaim: checkClaimNames('scopeClaim', options.scopeClaim),
    clientIdClaims: checkClaimNames('clientIdClaim', options.clientIdClaim) ?? ['client_id'],
    audienceClaim: checkAudienceClaim(options.audienceClaim, fapi),
    // FAPI 1.0 Part 1 §6.2.1 makes it a "shall"; FAPI 2.0 moved it to deployment advice (opt in).
    interactionId: checkBoolean('interactionId', options.interactionId, profile === 'fapi1-advanced'),
    onDecision: checkFunction('onDecision', options.onDecision) as ((event: DecisionEvent) => void) | undefined,
    jwksCooldownMs: checkNumber('jwksCooldown', options.jwksCooldown, DEFAULT_JWKS_COOLDOWN, { min: 1 }) * 1000,
    jwksCacheMaxAgeMs: checkNumber('jwksCacheMaxAge', options.jwksCacheMaxAge, DEFAULT_JWKS_CACHE_MAX_AGE, { min: 1 }) * 1000,
    httpTimeoutMs: checkNumber('httpTimeout', options.httpTimeout, DEFAULT_HTTP_TIMEOUT, { min: 1 }),
    fetch: fetchImpl,
    clock: options.clock ?? Date.now,
  }
}
