import type { JWK } from 'jose'
import { isPlainObject } from './lib/encoding.js'
import { isSecureOrLoopback, parseURL } from './lib/url.js'
import { compileTrustedProxies, type AddressMatcher } from './request/proxy-trust.js'
import { createMemoryReplayStore } from './replay/memory-replay-store.js'
import type { ReplayStore } from './replay/replay-store.js'
import type { JSONWebKeySet, JWSAlgorithm, Profile } from './types.js'

/** One trusted authorization server. */
export interface IssuerOptions {
  /** Issuer identifier; the token's `iss` must equal it exactly (RFC 9068 §4). */
  issuer: string
  /** Where its keys are; without this and `jwks`, found by discovery (RFC 8414, then OpenID Connect). */
  jwksUri?: string
  /** Its keys, inline. */
  jwks?: JSONWebKeySet
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
  /** Where used proof `jti`s are remembered. Default: in memory, 100 000 live entries (`createMemoryReplayStore`). */
  replayStore?: ReplayStore
}

/** Which connections are trusted proxies, and the public URL when it is fixed. */
export interface ProxyOptions {
  /** Peers whose forwarded headers are believed: IPv4/IPv6 addresses, CIDR ranges, `'loopback'`. */
  trusted?: readonly string[]
  /** The public base URL clients address (origin and optional path prefix); overrides forwarded headers. */
  publicUrl?: string
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

/** Algorithms each profile allows (FAPI 2.0 §5.4.1, FAPI 1.0 Part 2 §8.6, RFC 9068 §2.1). */
export const PROFILE_ALGORITHMS: Readonly<Record<Profile, readonly JWSAlgorithm[]>> = {
  fapi2: ['PS256', 'ES256', 'EdDSA'],
  'fapi1-advanced': ['PS256', 'ES256'],
  oauth2: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
}

const PROFILES: readonly Profile[] = ['fapi2', 'fapi1-advanced', 'oauth2']

const KNOWN_OPTIONS = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'jwks',
  'profile',
  'algorithms',
  'clockTolerance',
  'scopes',
  'dpop',
  'mtls',
  'proxy',
  'realm',
  'errorDescriptions',
  'maxTokenLength',
  'maxTokenLifetime',
  'tokenTypes',
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

/** An issuer after checking. */
export interface ResolvedIssuer {
  readonly issuer: string
  readonly keys: KeySource
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
  readonly proxy: { readonly trusted: AddressMatcher; readonly publicUrl: URL | undefined }
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
  const scopes = checkStringList(option, value, { allowEmpty: true })
  // RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  for (const scope of scopes) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) fail(option, `has "${scope}", which is not a valid scope token`)
  }
  return scopes
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
  }
  return { keys: (value.keys as JWK[]).map((key) => ({ ...key })) }
}

/** JWK members that only private or secret keys have (RFC 7518 §6). */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

function checkIssuer(option: string, value: unknown): ResolvedIssuer {
  const entry = typeof value === 'string' ? { issuer: value } : value
  if (!isPlainObject(entry)) fail(option, 'must be an issuer identifier or { issuer, jwksUri?, jwks? }')
  for (const key of Object.keys(entry)) {
    if (key !== 'issuer' && key !== 'jwksUri' && key !== 'jwks') fail(`${option}.${key}`, 'is not a known issuer option')
  }
  const { issuer, jwksUri, jwks } = entry
  if (typeof issuer !== 'string' || issuer.length === 0) fail(`${option}`, 'must name a non-empty issuer identifier')
  const url = parseURL(issuer)
  if (url === undefined) fail(option, `"${issuer}" is not an absolute URL`)
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    fail(option, `"${issuer}" must not have a query or fragment (RFC 8414 §2)`)
  }
  if (jwksUri !== undefined && jwks !== undefined) fail(option, 'takes "jwksUri" or "jwks", not both')
  if (jwks !== undefined) return { issuer, keys: { kind: 'static', jwks: checkJWKS(`${option}.jwks`, jwks) } }
  if (jwksUri !== undefined) return { issuer, keys: { kind: 'remote', jwksUri: checkKeyURL(`${option}.jwksUri`, jwksUri) } }
  if (!isSecureOrLoopback(url)) fail(option, `"${issuer}" must use https for discovery (plain http only on loopback hosts)`)
  return { issuer, keys: { kind: 'discovery' } }
}

function checkIssuers(options: GuardOptions): Map<string, ResolvedIssuer> {
  const { issuer, jwksUri, jwks } = options
  if (issuer === undefined) fail('issuer', 'is required')
  const list = Array.isArray(issuer) ? issuer : [issuer]
  if (list.length === 0) fail('issuer', 'must not be empty')
  if ((jwksUri !== undefined || jwks !== undefined) && (list.length !== 1 || typeof list[0] !== 'string')) {
    fail(jwksUri !== undefined ? 'jwksUri' : 'jwks', 'applies to a single issuer string; give it inside each issuer entry')
  }
  const issuers = new Map<string, ResolvedIssuer>()
  list.forEach((entry, index) => {
    const name = Array.isArray(issuer) ? `issuer[${index}]` : 'issuer'
    const withTopLevelKeys =
      typeof entry === 'string' && (jwksUri !== undefined || jwks !== undefined)
        ? { issuer: entry, ...(jwksUri !== undefined && { jwksUri }), ...(jwks !== undefined && { jwks }) }
        : entry
    const resolved = checkIssuer(name, withTopLevelKeys)
    if (issuers.has(resolved.issuer)) fail(name, `repeats issuer "${resolved.issuer}"`)
    issuers.set(resolved.issuer, resolved)
  })
  return issuers
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
  if (value === undefined) return { trusted: () => false, publicUrl: undefined }
  if (!isPlainObject(value)) fail('proxy', 'must be { trusted?, publicUrl? }')
  for (const key of Object.keys(value)) if (key !== 'trusted' && key !== 'publicUrl') fail(`proxy.${key}`, 'is not a known option')
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
  return { trusted: matcher, publicUrl }
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
    jwksCooldownMs: checkNumber('jwksCooldown', options.jwksCooldown, DEFAULT_JWKS_COOLDOWN) * 1000,
    jwksCacheMaxAgeMs: checkNumber('jwksCacheMaxAge', options.jwksCacheMaxAge, DEFAULT_JWKS_CACHE_MAX_AGE, { min: 1 }) * 1000,
    httpTimeoutMs: checkNumber('httpTimeout', options.httpTimeout, DEFAULT_HTTP_TIMEOUT, { min: 1 }),
    fetch: fetchImpl,
    clock: options.clock ?? Date.now,
  }
}
