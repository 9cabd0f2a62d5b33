import { LRUCache } from 'lru-cache'
import { checkScopes, readScopes } from './access-token/check-scopes.js'
import { verifyJWTAccessToken, withScheme, type JWTAccessTokenRules } from './access-token/verify-jwt-access-token.js'
import { countSegments } from './access-token/parse-compact-jws.js'
import { verifyTokenBinding, type BindingRules } from './binding/verify-token-binding.js'
import { GuardError, isGuardError } from './errors/guard-error.js'
import { buildChallenges, renderWWWAuthenticate, type ChallengeConfig } from './errors/render-challenge.js'
import type { CryptoBackend } from './keys/crypto-backend.js'
import { IssuerKeyStore } from './keys/issuer-key-store.js'
import { DPOP_PROOF_MAX_FUTURE, resolveOptions, type GuardOptions, type ResolvedOptions } from './options.js'
import type { CredentialRules } from './request/parse-authorization.js'
import { readCredentials } from './request/read-credentials.js'
import type { AuthContext, RequestLike, VerifyOptions } from './types.js'

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

/** Builds a guard on a given crypto backend; `createGuard` in each entry point picks the backend. */
export function createGuardWith(options: GuardOptions, backend: CryptoBackend): Guard {
  const resolved = resolveOptions(options)
  return new ResourceGuard(resolved, backend)
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

  constructor(options: ResolvedOptions, backend: CryptoBackend) {
    this.#options = options
    const keyStores = new Map<string, IssuerKeyStore>()
    for (const [name, issuer] of options.issuers) {
      keyStores.set(
        name,
        new IssuerKeyStore(issuer, {
          backend,
          fetch: options.fetch,
          httpTimeoutMs: options.httpTimeoutMs,
          cooldownMs: options.jwksCooldownMs,
          maxAgeMs: options.jwksCacheMaxAgeMs,
          clock: options.clock,
        }),
      )
    }
    this.#credentialRules = { dpopEnabled: options.dpop.enabled, maxTokenLength: options.maxTokenLength }
    this.#jwtRules = { ...options, keyStores, backend }
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
        requestURL: options.proxy,
        maxProofLength: MAX_PROOF_LENGTH,
        backend,
        keyCache: new LRUCache({ max: PROOF_KEY_CACHE_SIZE }),
      },
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
      const segments = countSegments(token)
      if (segments !== 3) {
        throw new GuardError(
          'ERR_TOKEN_MALFORMED',
          segments === 5 ? 'encrypted (JWE) access tokens are not accepted' : 'the access token is not a JWT',
        )
      }
      const now = this.#options.clock() / 1000
      const { issuer, claims } = await verifyJWTAccessToken(token, now, this.#jwtRules)
      const { binding, responseHeaders } = await verifyTokenBinding(claims.cnf, scheme, request as RequestLike, token, now, this.#bindingRules)
      const scopes = readScopes(claims)
      checkScopes(scopes, this.#requiredScopes(options), scheme)
      const auth: AuthContext = {
        token,
        claims,
        source: 'jwt',
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
