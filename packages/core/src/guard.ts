import { LRUCache } from 'lru-cache'
import { checkScopes, readScopes } from './access-token/check-scopes.js'
import { verifyJWTAccessToken, withScheme, type JWTAccessTokenRules } from './access-token/verify-jwt-access-token.js'
import { countSegments } from './access-token/parse-compact-jws.js'
import { verifyTokenBinding, type BindingRules } from './binding/verify-token-binding.js'
import { withPresetHint } from './presets/preset-hint.js'
import { describeCauses, Diagnosis } from './errors/diagnosis.js'
import { GuardError, isGuardError, type AuthScheme } from './errors/guard-error.js'
import { buildChallenges, renderWWWAuthenticate, type ChallengeConfig } from './errors/render-challenge.js'
import type { CryptoBackend } from './keys/crypto-backend.js'
import { IssuerKeyStore } from './keys/issuer-key-store.js'
import { checkIntrospectionClaims, isActive, type IntrospectionClaimRules } from './introspection/check-introspection-response.js'
import { TokenIntrospector } from './introspection/introspect-token.js'
import { IssuerMetadata, metadataEndpoint } from './keys/issuer-metadata.js'
import { decodeJSONObject, isPlainObject } from './lib/encoding.js'
import { lruClock } from './lib/lru-clock.js'
import {
  DPOP_PROOF_MAX_FUTURE,
  resolveOptions,
  type GuardOptions,
  type ResolvedIntrospection,
  type ResolvedIssuer,
  type ResolvedOptions,
} from './options.js'
import type { CredentialRules } from './request/parse-authorization.js'
import { readCredentials } from './request/read-credentials.js'
import { readHeaderValues } from './request/read-headers.js'
import { checkClaimRequirements } from './authorization/claim-requirements.js'
import { checkUserAuthentication } from './authorization/check-user-authentication.js'
import { describeDecision, type DecisionEvent } from './audit/decision-event.js'
import { buildProtectedResourceMetadata, metadataLocation, type ProtectedResourceMetadata } from './metadata/protected-resource-metadata.js'
import type { AuthContext, JWTAccessTokenClaims, RequestLike, VerifyOptions } from './types.js'
import { rememberGuard } from './adapter/authorize.js'

/** A configured resource-server guard. */
export interface Guard {
  /**
   * Decides whether a request may reach the route: reads its credentials, verifies the access token
   * (RFC 9068), its sender constraint (RFC 9449, RFC 8705) and the scopes needed. Resolves to the
   * `AuthContext`; rejects with a `GuardError` (with status, challenge headers and body), never anything else.
   */
  verify(request: Request | RequestLike, options?: VerifyOptions): Promise<AuthContext>
  /** Checks more scopes on a verified `AuthContext` (per-route requirements); throws a `GuardError` if one is missing. */
  requireScopes(auth: AuthContext, scopes: readonly string[]): void
  /** Checks per-route requirements (scopes, step-up `acrValues`/`maxAge`, claims) on a verified `AuthContext`; throws a `GuardError`. */
  authorize(auth: AuthContext, requirements: VerifyOptions): void
  /** Gives any error its final form: a `GuardError` with this guard's challenges (what adapters send). */
  toGuardError(error: unknown): GuardError
  /** The RFC 9728 protected resource metadata document, when `resource` is configured. */
  metadata(): ProtectedResourceMetadata | undefined
  /** The path adapters serve `metadata()` at (`/.well-known/oauth-protected-resource…`), when `resource` is configured. */
  readonly metadataPath: string | undefined
  /**
   * Loads every issuer's metadata and keys now, and the introspection endpoint where it is found by
   * discovery; rejects with the precise reason (the URL and status, not JSON, an issuer that differs —
   * "only by a trailing slash" said so —, a connection or TLS error, a timeout). Call it at startup to
   * fail there, as Spring does, instead of on the first request. Resolves when every issuer is ready.
   */
  ready(): Promise<void>
}

/** What only some runtimes offer, handed in by the entry point (the Node build gives all of it). */
export interface Platform {
  /** A `fetch` presenting a client certificate, for `tls_client_auth` introspection. */
  readonly tlsClientFetch?: (certificate: { readonly cert: string; readonly key: string }) => typeof fetch
  /** Where each decision is described for operators when asked for (Node: `NODE_DEBUG=fapi-guard`). */
  readonly debug?: ((message: string) => void) | undefined
}

/**
 * Builds a guard on a given crypto backend (or one chosen from the checked options) and platform;
 * `createGuard` in each entry point picks them.
 */
export function createGuardWith(options: GuardOptions, backend: CryptoBackend | ((options: ResolvedOptions) => CryptoBackend), platform: Platform = {}): Guard {
  const resolved = resolveOptions(options)
  return new ResourceGuard(resolved, typeof backend === 'function' ? backend(resolved) : backend, platform)
}

/** A token whose claims were verified, locally or by its issuer. */
interface VerifiedToken {
  readonly issuer: string
  readonly claims: JWTAccessTokenClaims
  readonly scopes: readonly string[]
  readonly source: 'jwt' | 'introspection'
  readonly kid: string | undefined
}

/** Builds the introspector of one issuer: endpoint from options or metadata, transport for `tls_client_auth`. */
function createIntrospector(
  issuer: ResolvedIssuer,
  settings: ResolvedIntrospection,
  context: { options: ResolvedOptions; backend: CryptoBackend; platform: Platform; metadata: IssuerMetadata; keyStore: IssuerKeyStore },
): TokenIntrospector {
  const { options, backend, platform, metadata, keyStore } = context
  let transport = options.fetch
  if (settings.authMethod === 'tls_client_auth' && settings.certificate !== undefined) {
    if (platform.tlsClientFetch !== undefined) transport = platform.tlsClientFetch(settings.certificate)
    else if (options.fetch === globalThis.fetch) {
      throw new TypeError('fapi-guard: option "introspection.authMethod" tls_client_auth needs the Node build, or a "fetch" that presents the client certificate')
    }
  }
  const configured = settings.endpoint
  const endpoint = async (): Promise<URL> => {
    if (configured !== undefined) return configured
    const document = await metadata.get()
    const aliases = document.mtls_endpoint_aliases
    const alias =
      settings.authMethod === 'tls_client_auth' && isPlainObject(aliases) ? metadataEndpoint(aliases, 'introspection_endpoint') : undefined
    const url = alias ?? metadataEndpoint(document, 'introspection_endpoint')
    if (url === undefined) throw new Error('no usable introspection_endpoint')
    return url
  }
  return new TokenIntrospector({
    issuer: issuer.issuer,
    credentials: settings,
    endpoint,
    responseFormat: settings.responseFormat,
    tokens: settings.tokens,
    tokenPrefix: settings.tokenPrefix,
    cache: settings.cache,
    timeoutMs: settings.timeoutMs,
    fetch: transport,
    backend,
    clock: options.clock,
    keyStore,
    algorithms: options.algorithms,
  })
}

/** What the pipeline records for `onDecision` as it goes. */
interface Trace {
  readonly checks: string[]
  kid: string | undefined
  nonce: 'valid' | 'renewed' | undefined
  /** Set once a DPoP proof passed the replay check (its `jti` is spent, whatever is decided after). */
  replay: 'first-use' | undefined
}

const INTERACTION_ID = 'x-fapi-interaction-id'
/**
 * FAPI 1.0 Part 1 §6.2.1 item 11 and FAPI 2.0 say the value is an RFC 4122 UUID: the variant bits
 * `10`, a version 1–8 (RFC 9562 added 6–8), hex digits in either case (RFC 4122 §3: case-insensitive
 * on input). Only that is echoed; anything else (a label, a URL, a header injection) is replaced.
 */
const RFC4122_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

function firstHeader(request: Request | RequestLike, name: string): string | undefined {
  if (typeof request !== 'object' || request === null || typeof request.headers !== 'object' || request.headers === null) return undefined
  return readHeaderValues(request.headers, name)[0]
}

/** The interaction id of one request, and whether the client sent one that was not a UUID and was replaced. */
interface InteractionId {
  readonly value: string
  readonly replaced: boolean
}

/** FAPI 1.0 Part 1 §6.2.1 items 11–12: the client's `x-fapi-interaction-id` when it is a UUID, else a new one. */
function readInteractionId(request: Request | RequestLike): InteractionId {
  const sent = firstHeader(request, INTERACTION_ID)?.trim()
  if (sent !== undefined && RFC4122_UUID.test(sent)) return { value: sent, replaced: false }
  return { value: crypto.randomUUID(), replaced: sent !== undefined }
}

/** `AuthContext.clientId`: the first of the `clientIdClaim` claims that is a non-empty string. */
function readClientId(claims: JWTAccessTokenClaims, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = claims[name]
    if (typeof value === 'string' && value.length > 0) return value
  }
  return undefined
}

/** `x-fapi-auth-date` and `x-fapi-customer-ip-address`, passed through untouched (never a reason to refuse). */
function readFAPIHeaders(request: Request | RequestLike): AuthContext['fapi'] {
  const authDate = firstHeader(request, 'x-fapi-auth-date')
  const customerIpAddress = firstHeader(request, 'x-fapi-customer-ip-address')
  if (authDate === undefined && customerIpAddress === undefined) return undefined
  return { ...(authDate !== undefined && { authDate }), ...(customerIpAddress !== undefined && { customerIpAddress }) }
}

function decisionEvent(
  request: Request | RequestLike,
  trace: Trace,
  started: number,
  auth: AuthContext | undefined,
  refusal: GuardError | undefined,
  trusted: (address: string | undefined) => boolean,
  interaction: InteractionId | undefined,
): DecisionEvent {
  const peerAddress = typeof request === 'object' && request !== null ? (request as RequestLike).peerAddress : undefined
  const binding = auth === undefined ? undefined : auth.binding.dpop !== undefined ? (auth.binding.mtls !== undefined ? 'dpop+mtls' : 'dpop') : auth.binding.mtls !== undefined ? 'mtls' : 'none'
  const code = refusal?.code
  const nonce = trace.nonce ?? (code === 'ERR_DPOP_NONCE_REQUIRED' ? 'missing' : code === 'ERR_DPOP_NONCE_INVALID' ? 'invalid' : undefined)
  const replay = code === 'ERR_DPOP_PROOF_REPLAYED' ? 'replayed' : trace.replay
  const cause = describeCauses(refusal, true)
  return {
    outcome: auth === undefined ? 'refused' : 'accepted',
    ...(refusal !== undefined && { status: refusal.status, error: refusal.error, code: refusal.code, description: refusal.description }),
    ...(cause !== undefined && { cause }),
    ...(auth !== undefined && {
      issuer: auth.issuer,
      ...(auth.clientId !== undefined && { clientId: auth.clientId }),
      ...(auth.subject !== undefined && { subject: auth.subject }),
    }),
    ...(binding !== undefined && { binding }),
    checks: trace.checks,
    ...(trace.kid !== undefined && { kid: trace.kid }),
    ...((nonce !== undefined || replay !== undefined) && { dpop: { ...(nonce !== undefined && { nonce }), ...(replay !== undefined && { replay }) } }),
    proxy: { peerAddress, trusted: trusted(peerAddress) },
    ...(interaction !== undefined && { interactionId: interaction.value, ...(interaction.replaced && { interactionIdReplaced: true }) }),
    durationMicros: Math.round((performance.now() - started) * 1000),
  }
}

/** Errors that already carry this guard's challenge headers. */
const finalized = new WeakSet<GuardError>()
const UNEXPECTED = 'the access token could not be processed'
/** Longest DPoP proof read, in characters (a proof with an RSA-4096 `jwk` is ~2.5 KB). */
const MAX_PROOF_LENGTH = 8192
/** Imported DPoP proof keys kept, by thumbprint. */
const PROOF_KEY_CACHE_SIZE = 1000

class ResourceGuard implements Guard {
  readonly #options: ResolvedOptions
  readonly #credentialRules: CredentialRules
  readonly #jwtRules: JWTAccessTokenRules
  readonly #bindingRules: BindingRules
  readonly #challenge: ChallengeConfig
  /** Introspectors by issuer; an opaque token goes to the one that claims it (`#introspectorFor`). */
  readonly #introspectors: ReadonlyMap<string, TokenIntrospector>
  /** What an active answer must satisfy, by issuer (`requireAudience` is per issuer). */
  readonly #introspectionRules: ReadonlyMap<string, IntrospectionClaimRules>

  /** One check per issuer: its keys (and discovered introspection endpoint) can be had now. */
  readonly #readiness: Array<() => Promise<void>> = []
  readonly #debug: ((message: string) => void) | undefined

  constructor(options: ResolvedOptions, backend: CryptoBackend, platform: Platform) {
    this.#options = options
    this.#debug = platform.debug
    const keyStores = new Map<string, IssuerKeyStore>()
    const introspectors = new Map<string, TokenIntrospector>()
    const introspectionRules = new Map<string, IntrospectionClaimRules>()
    for (const [name, issuer] of options.issuers) {
      const context = { fetch: options.fetch, httpTimeoutMs: options.httpTimeoutMs, clock: options.clock }
      const metadata = new IssuerMetadata(name, context)
      const keyStore = new IssuerKeyStore(issuer, {
        ...context,
        metadata,
        backend,
        cooldownMs: options.jwksCooldownMs,
        maxAgeMs: options.jwksCacheMaxAgeMs,
      })
      keyStores.set(name, keyStore)
      const introspectionByDiscovery = issuer.introspection !== undefined && issuer.introspection.endpoint === undefined
      this.#readiness.push(async () => {
        await keyStore.ready()
        if (introspectionByDiscovery && metadataEndpoint(await metadata.get(true), 'introspection_endpoint') === undefined) {
          throw new Diagnosis(`the metadata of "${name}" has no https "introspection_endpoint"`)
        }
      })
      if (issuer.introspection !== undefined) {
        introspectors.set(name, createIntrospector(issuer, issuer.introspection, { options, backend, platform, metadata, keyStore }))
        const { audiences, clockTolerance, maxTokenLifetime } = options
        introspectionRules.set(name, { audiences, clockTolerance, maxTokenLifetime, requireAudience: issuer.introspection.requireAudience })
      }
    }
    this.#introspectors = introspectors
    this.#introspectionRules = introspectionRules
    this.#credentialRules = { dpopEnabled: options.dpop.enabled, maxTokenLength: options.maxTokenLength }
    this.#jwtRules = {
      ...options,
      keyStores,
      backend,
      tokenCache:
        options.tokenCacheMax === 0
          ? undefined
          : {
              entries: new LRUCache({ max: options.tokenCacheMax, ttlResolution: 0, perf: lruClock(options.clock) }),
              seen: new LRUCache({ max: options.tokenCacheMax }),
            },
    }
    this.#bindingRules = {
      dpop: options.dpop,
      mtls: options.mtls,
      senderConstrained: options.senderConstrained,
      backend,
      dpopProof: {
        algorithms: new Set(options.dpop.algorithms),
        proofMaxAge: options.dpop.proofMaxAge,
        proofMaxFuture: DPOP_PROOF_MAX_FUTURE,
        clockTolerance: options.clockTolerance,
        nonce: options.dpop.nonce,
        replayStore: options.dpop.replayStore,
        requestURL: { trusted: options.proxy.trusted, publicUrl: options.proxy.publicUrl, forwarded: options.proxy.forwardedHeaders },
        maxProofLength: MAX_PROOF_LENGTH,
        backend,
        keyCache: new LRUCache({ max: PROOF_KEY_CACHE_SIZE }),
      },
      certificates: { trusted: options.proxy.trusted, header: options.proxy.certificateHeader, forwarded: options.proxy.forwardedHeaders, backend },
    }
    this.#guardWide = {
      scopes: options.scopes,
      claims: options.claims,
      ...(options.acrValues !== undefined && { acrValues: options.acrValues }),
      ...(options.maxAge !== undefined && { maxAge: options.maxAge }),
    }
    const location = options.resource === undefined ? undefined : metadataLocation(options.resource.identifier)
    this.metadataPath = location?.path
    this.#metadata =
      options.resource === undefined
        ? undefined
        : buildProtectedResourceMetadata({
            ...options.resource,
            issuers: [...options.issuers.keys()],
            dpopAlgorithms: options.dpop.enabled ? options.dpop.algorithms : undefined,
            dpopRequired: options.dpop.required,
            mtls: options.mtls.enabled,
          })
    this.#challenge = {
      realm: options.realm,
      bearer: !options.dpop.required,
      dpopAlgs: options.dpop.enabled ? options.dpop.algorithms.join(' ') : undefined,
      descriptions: options.errorDescriptions,
      resourceMetadata: location?.url,
    }
  }

  readonly metadataPath: string | undefined
  readonly #metadata: ProtectedResourceMetadata | undefined
  /** The guard-wide requirements: `scopes`, `acrValues`, `maxAge`, `claims` options. */
  readonly #guardWide: VerifyOptions

  metadata(): ProtectedResourceMetadata | undefined {
    return this.#metadata
  }

  async ready(): Promise<void> {
    const names = [...this.#options.issuers.keys()]
    const outcomes = await Promise.allSettled(this.#readiness.map((check) => check()))
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.status === 'rejected' ? [{ issuer: names[i] as string, error: outcome.reason as unknown }] : [],
    )
    if (failures.length === 0) return
    const reasons = failures.map(({ issuer, error }) => {
      const causes = describeCauses(error)
      return `issuer "${issuer}": ${error instanceof Error ? error.message : String(error)}${causes === undefined ? '' : ` ← ${causes}`}`
    })
    throw new Error(`fapi-guard is not ready: ${reasons.join('; ')}`, { cause: failures[0]?.error })
  }

  async verify(request: Request | RequestLike, options?: VerifyOptions): Promise<AuthContext> {
    const started = performance.now()
    const trace: Trace = { checks: [], kid: undefined, nonce: undefined, replay: undefined }
    const interaction = this.#options.interactionId ? readInteractionId(request) : undefined
    try {
      const auth = await this.#verify(request, options, trace, interaction?.value)
      this.#report(request, trace, started, auth, undefined, interaction)
      rememberGuard(auth, this)
      return auth
    } catch (error) {
      const refusal = this.#finalize(error, interaction?.value)
      this.#report(request, trace, started, undefined, refusal, interaction)
      throw refusal
    }
  }

  async #verify(
    request: Request | RequestLike,
    options: VerifyOptions | undefined,
    trace: Trace,
    interactionId: string | undefined,
  ): Promise<AuthContext> {
    if (typeof request !== 'object' || request === null) throw new GuardError('ERR_REQUEST_INVALID', 'no request was given')
    const { scheme, token } = readCredentials(request, this.#credentialRules)
    trace.checks.push('credentials')
    try {
      const now = this.#options.clock() / 1000
      const jwt = this.#isJWT(token)
      const { issuer, claims, scopes, source, kid } = jwt ? await this.#verifyJWT(token, now) : await this.#introspectOpaque(token, now)
      trace.checks.push(source)
      trace.kid = kid
      const bound = await verifyTokenBinding(claims.cnf, scheme, request as RequestLike, token, now, this.#bindingRules)
      trace.checks.push('binding')
      trace.nonce = bound.nonce
      if (bound.binding.dpop !== undefined) trace.replay = 'first-use'
      this.#authorize(claims, scopes, options, now, scheme)
      trace.checks.push('authorization')
      const fapi = readFAPIHeaders(request)
      const clientId = readClientId(claims, this.#options.clientIdClaims)
      const auth: AuthContext = {
        token,
        claims,
        source,
        issuer,
        ...(typeof claims.sub === 'string' && { subject: claims.sub }),
        ...(clientId !== undefined && { clientId }),
        scopes,
        binding: bound.binding,
        responseHeaders:
          interactionId === undefined ? bound.responseHeaders : { ...bound.responseHeaders, [INTERACTION_ID]: interactionId },
        ...(interactionId !== undefined && { interactionId }),
        ...(fapi !== undefined && { fapi }),
      }
      return auth
    } catch (error) {
      throw isGuardError(error) ? withScheme(error, scheme) : error
    }
  }

  /**
   * Step 5: the guard-wide requirements, then the route's — the same two checks, in the same order,
   * whether the route's come with `verify(request, requirements)` or with `authorize(auth, requirements)`
   * after it (as the adapters do), so both give the same answer. A route's requirements add to the
   * guard-wide ones; they never lift them.
   */
  #authorize(claims: JWTAccessTokenClaims, scopes: readonly string[], options: VerifyOptions | undefined, now: number, scheme: AuthScheme): void {
    this.#checkRequirements(claims, scopes, this.#guardWide, now, scheme)
    if (options !== undefined) this.#checkRequirements(claims, scopes, options, now, scheme)
  }

  /** Step-up (RFC 9470) first, then scopes (RFC 6750 §3.1), then claim requirements. */
  #checkRequirements(claims: JWTAccessTokenClaims, scopes: readonly string[], requirements: VerifyOptions, now: number, scheme: AuthScheme): void {
    const required = requirements.scopes ?? []
    if (requirements.acrValues !== undefined || requirements.maxAge !== undefined) {
      const granted = new Set(scopes)
      const missing = required.some((scope) => !granted.has(scope)) ? required.join(' ') : undefined
      checkUserAuthentication(claims, requirements, now, this.#options.clockTolerance, scheme, missing)
    }
    checkScopes(scopes, required, scheme)
    if (requirements.claims !== undefined) checkClaimRequirements(claims, requirements.claims, scheme)
  }

  /** Hands the decision to `onDecision`; a failing hook (throwing, or an async one rejecting) never changes the decision. */
  #report(
    request: Request | RequestLike,
    trace: Trace,
    started: number,
    auth: AuthContext | undefined,
    refusal: GuardError | undefined,
    interaction: InteractionId | undefined,
  ): void {
    const hook = this.#options.onDecision
    if (hook === undefined && this.#debug === undefined) return
    const event = decisionEvent(request, trace, started, auth, refusal, this.#options.proxy.trusted, interaction)
    this.#debug?.(describeDecision(event))
    if (hook === undefined) return
    try {
      const result: unknown = hook(event)
      // An async hook's rejection would otherwise be unhandled (and end a Node process).
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(result).catch(() => {})
    } catch {
      // An audit hook that throws must not turn a decision into an error.
    }
  }

  /**
   * A token is handled as a JWT when it has three segments and, with introspection configured, its
   * first segment is a JSON object: an opaque token may contain two dots (RFC 9449's example does).
   */
  #isJWT(token: string): boolean {
    if (countSegments(token) !== 3) return false
    return this.#introspectors.size === 0 || decodeJSONObject(token.slice(0, token.indexOf('.'))) !== undefined
  }

  /** Step 3 for a JWT: RFC 9068 checks; with `tokens: 'all'` its issuer must also call it active (revocation). */
  async #verifyJWT(token: string, now: number): Promise<VerifiedToken> {
    let verified: Awaited<ReturnType<typeof verifyJWTAccessToken>>
    try {
      verified = await verifyJWTAccessToken(token, now, this.#jwtRules)
    } catch (error) {
      // Only on refusal: the operator's cause names the setting (or preset) that would accept the token.
      throw withPresetHint(error, token, this.#options)
    }
    const { issuer, claims, scopes, kid } = verified
    const introspector = this.#introspectors.get(issuer)
    if (introspector?.tokens === 'all' && !isActive(await introspector.introspect(token))) {
      throw new GuardError('ERR_TOKEN_INACTIVE', 'the issuer reports the access token as not active (revoked?)')
    }
    return { issuer, claims, scopes, source: 'jwt', kid }
  }

  /**
   * Step 3 for anything else: asked of exactly one issuer, the one that claims the token (never of
   * each in turn: issuer A must not see issuer B's tokens), and its answer must describe an access
   * token for this API.
   */
  async #introspectOpaque(token: string, now: number): Promise<VerifiedToken> {
    if (this.#introspectors.size === 0) {
      const jwe = countSegments(token) === 5
      throw new GuardError('ERR_TOKEN_MALFORMED', jwe ? 'encrypted (JWE) access tokens are not accepted' : 'the access token is not a JWT')
    }
    const introspector = this.#introspectorFor(token)
    if (introspector === undefined) {
      throw new GuardError('ERR_TOKEN_MALFORMED', 'the access token is not a JWT, and no issuer introspects tokens of its form')
    }
    const issuer = introspector.issuer
    const response = await introspector.introspect(token)
    if (!isActive(response)) throw new GuardError('ERR_TOKEN_INACTIVE', 'the access token is not active')
    checkIntrospectionClaims(response, issuer, now, this.#introspectionRules.get(issuer) as IntrospectionClaimRules)
    return { issuer, claims: response as JWTAccessTokenClaims, scopes: Object.freeze(readScopes(response, this.#options.scopeClaim)), source: 'introspection', kid: undefined }
  }

  /**
   * The introspector that claims an opaque token: the issuer whose `tokenPrefix` it starts with, else
   * the one without a prefix; `createGuard` made sure at most one of each can match.
   */
  #introspectorFor(token: string): TokenIntrospector | undefined {
    let unprefixed: TokenIntrospector | undefined
    for (const introspector of this.#introspectors.values()) {
      const prefix = introspector.tokenPrefix
      if (prefix === undefined) unprefixed = introspector
      else if (token.startsWith(prefix)) return introspector
    }
    return unprefixed
  }

  requireScopes(auth: AuthContext, scopes: readonly string[]): void {
    this.authorize(auth, { scopes })
  }

  authorize(auth: AuthContext, requirements: VerifyOptions): void {
    try {
      const scheme: AuthScheme = auth.binding.dpop !== undefined ? 'DPoP' : 'Bearer'
      this.#checkRequirements(auth.claims, auth.scopes, requirements, this.#options.clock() / 1000, scheme)
    } catch (error) {
      throw this.#finalize(error, auth.interactionId)
    }
  }

  toGuardError(error: unknown): GuardError {
    return this.#finalize(error, undefined)
  }

  #finalize(error: unknown, interactionId: string | undefined): GuardError {
    const source = isGuardError(error) ? error : new GuardError('ERR_TOKEN_MALFORMED', UNEXPECTED)
    if (finalized.has(source)) return source
    const challenge: Record<string, string> =
      source.status === 503 ? { 'retry-after': '5' } : { 'www-authenticate': renderWWWAuthenticate(buildChallenges(this.#challenge, source)) }
    if (interactionId !== undefined) challenge[INTERACTION_ID] = interactionId
    const final = new GuardError(source.code, source.description, source, { ...source.headers, ...challenge }, this.#options.errorDescriptions)
    finalized.add(final)
    return final
  }
}
