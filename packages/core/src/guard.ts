import { LRUCache } from 'lru-cache'
import { checkScopes, readScopes } from './access-token/check-scopes.js'
import { verifyJWTAccessToken, withScheme, type JWTAccessTokenRules } from './access-token/verify-jwt-access-token.js'
import { countSegments } from './access-token/parse-compact-jws.js'
import { verifyTokenBinding, type BindingRules } from './binding/verify-token-binding.js'
import { GuardError, isGuardError } from './errors/guard-error.js'
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
import type { AuthContext, JWTAccessTokenClaims, RequestLike, VerifyOptions } from './types.js'

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
  /** Gives any error its final form: a `GuardError` with this guard's challenges (what adapters send). */
  toGuardError(error: unknown): GuardError
}

/** What only some runtimes offer, handed in by the entry point (the Node build gives all of it). */
export interface Platform {
  /** A `fetch` presenting a client certificate, for `tls_client_auth` introspection. */
  readonly tlsClientFetch?: (certificate: { readonly cert: string; readonly key: string }) => typeof fetch
}

/** Builds a guard on a given crypto backend and platform; `createGuard` in each entry point picks them. */
export function createGuardWith(options: GuardOptions, backend: CryptoBackend, platform: Platform = {}): Guard {
  const resolved = resolveOptions(options)
  return new ResourceGuard(resolved, backend, platform)
}

/** A token whose claims were verified, locally or by its issuer. */
interface VerifiedToken {
  readonly issuer: string
  readonly claims: JWTAccessTokenClaims
  readonly source: 'jwt' | 'introspection'
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
    cache: settings.cache,
    timeoutMs: settings.timeoutMs,
    fetch: transport,
    backend,
    clock: options.clock,
    keyStore,
    algorithms: options.algorithms,
  })
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
  /** Introspectors by issuer, in configuration order (opaque tokens are asked of each in turn). */
  readonly #introspectors: ReadonlyMap<string, TokenIntrospector>
  readonly #introspectionRules: IntrospectionClaimRules

  constructor(options: ResolvedOptions, backend: CryptoBackend, platform: Platform) {
    this.#options = options
    const keyStores = new Map<string, IssuerKeyStore>()
    const introspectors = new Map<string, TokenIntrospector>()
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
      if (issuer.introspection !== undefined) {
        introspectors.set(name, createIntrospector(issuer, issuer.introspection, { options, backend, platform, metadata, keyStore }))
      }
    }
    this.#introspectors = introspectors
    this.#introspectionRules = options
    this.#credentialRules = { dpopEnabled: options.dpop.enabled, maxTokenLength: options.maxTokenLength }
    this.#jwtRules = {
      ...options,
      keyStores,
      backend,
      tokenCache: options.tokenCacheMax === 0 ? undefined : new LRUCache({ max: options.tokenCacheMax, ttlResolution: 0, perf: lruClock(options.clock) }),
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
        requestURL: { trusted: options.proxy.trusted, publicUrl: options.proxy.publicUrl },
        maxProofLength: MAX_PROOF_LENGTH,
        backend,
        keyCache: new LRUCache({ max: PROOF_KEY_CACHE_SIZE }),
      },
      certificates: { trusted: options.proxy.trusted, header: options.proxy.certificateHeader, backend },
    }
    this.#challenge = {
      realm: options.realm,
      bearer: !options.dpop.required,
      dpopAlgs: options.dpop.enabled ? options.dpop.algorithms.join(' ') : undefined,
      descriptions: options.errorDescriptions,
    }
  }

  async verify(request: Request | RequestLike, options?: VerifyOptions): Promise<AuthContext> {
    try {
      return await this.#verify(request, options)
    } catch (error) {
      throw this.toGuardError(error)
    }
  }

  async #verify(request: Request | RequestLike, options: VerifyOptions | undefined): Promise<AuthContext> {
    if (typeof request !== 'object' || request === null) throw new GuardError('ERR_REQUEST_INVALID', 'no request was given')
    const { scheme, token } = readCredentials(request, this.#credentialRules)
    try {
      const now = this.#options.clock() / 1000
      const { issuer, claims, source } = this.#isJWT(token) ? await this.#verifyJWT(token, now) : await this.#introspectOpaque(token, now)
      const { binding, responseHeaders } = await verifyTokenBinding(claims.cnf, scheme, request as RequestLike, token, now, this.#bindingRules)
      const scopes = readScopes(claims)
      checkScopes(scopes, this.#requiredScopes(options), scheme)
      const auth: AuthContext = {
        token,
        claims,
        source,
        issuer,
        ...(typeof claims.sub === 'string' && { subject: claims.sub }),
        ...(typeof claims.client_id === 'string' && { clientId: claims.client_id }),
        scopes,
        binding,
        responseHeaders,
      }
      return auth
    } catch (error) {
      throw isGuardError(error) ? withScheme(error, scheme) : error
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
    const { issuer, claims } = await verifyJWTAccessToken(token, now, this.#jwtRules)
    const introspector = this.#introspectors.get(issuer)
    if (introspector?.tokens === 'all' && !isActive(await introspector.introspect(token))) {
      throw new GuardError('ERR_TOKEN_INACTIVE', 'the issuer reports the access token as not active (revoked?)')
    }
    return { issuer, claims, source: 'jwt' }
  }

  /** Step 3 for anything else: asked of each issuer that introspects, in order; the first active answer counts. */
  async #introspectOpaque(token: string, now: number): Promise<VerifiedToken> {
    if (this.#introspectors.size === 0) {
      const jwe = countSegments(token) === 5
      throw new GuardError('ERR_TOKEN_MALFORMED', jwe ? 'encrypted (JWE) access tokens are not accepted' : 'the access token is not a JWT')
    }
    for (const [issuer, introspector] of this.#introspectors) {
      const response = await introspector.introspect(token)
      if (!isActive(response)) continue
      checkIntrospectionClaims(response, issuer, now, this.#introspectionRules)
      return { issuer, claims: response as JWTAccessTokenClaims, source: 'introspection' }
    }
    throw new GuardError('ERR_TOKEN_INACTIVE', 'the access token is not active')
  }

  #requiredScopes(options: VerifyOptions | undefined): readonly string[] {
    const extra = options?.scopes
    if (extra === undefined || extra.length === 0) return this.#options.scopes
    if (this.#options.scopes.length === 0) return extra
    return [...new Set([...this.#options.scopes, ...extra])]
  }

  requireScopes(auth: AuthContext, scopes: readonly string[]): void {
    try {
      const scheme = auth.binding.dpop !== undefined ? 'DPoP' : 'Bearer'
      checkScopes(auth.scopes, scopes, scheme)
    } catch (error) {
      throw this.toGuardError(error)
    }
  }

  toGuardError(error: unknown): GuardError {
    const source = isGuardError(error) ? error : new GuardError('ERR_TOKEN_MALFORMED', UNEXPECTED)
    if (finalized.has(source)) return source
    const challenge: Record<string, string> =
      source.status === 503 ? { 'retry-after': '5' } : { 'www-authenticate': renderWWWAuthenticate(buildChallenges(this.#challenge, source)) }
    const final = new GuardError(source.code, source.description, source, { ...source.headers, ...challenge }, this.#options.errorDescriptions)
    finalized.add(final)
    return final
  }
}
