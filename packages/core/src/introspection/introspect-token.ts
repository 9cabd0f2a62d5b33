import { checkAlg, checkCrit, checkKid, checkTyp } from '../access-token/check-jws-header.js'
import { parseCompactJWS } from '../access-token/parse-compact-jws.js'
import { GuardError, isGuardError } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import type { IssuerKeyStore } from '../keys/issuer-key-store.js'
import { deepFreeze } from '../lib/deep-freeze.js'
import { isPlainObject } from '../lib/encoding.js'
import { callStore } from '../lib/bounded.js'
import { fetchDocument, HTTPExchangeError } from '../lib/http.js'
import { ClientAuthenticator, type ClientCredentials } from './authenticate-client.js'
import type { IntrospectionCacheStore } from './introspection-cache.js'


const INTROSPECTION_JWT: ReadonlySet<string | undefined> = new Set(['token-introspection+jwt'])
/** Largest introspection response read, in bytes. */
export const MAX_INTROSPECTION_RESPONSE_BYTES = 256 * 1024
const JWT_MEDIA_TYPE = 'application/token-introspection+jwt'

/** One issuer's introspection settings, fixed at `createGuard`. */
export interface IntrospectionRules {
  readonly issuer: string
  readonly credentials: ClientCredentials
  /** The endpoint: configured, or read from the issuer's metadata on first use. */
  readonly endpoint: () => Promise<URL>
  readonly responseFormat: 'json' | 'jwt'
  readonly tokens: 'opaque' | 'all'
  /** Opaque tokens this issuer claims start with it; `undefined`: every opaque token no other issuer claims. */
  readonly tokenPrefix: string | undefined
  readonly cache: { readonly store: IntrospectionCacheStore; readonly ttlMs: number; readonly negativeTtlMs: number } | undefined
  readonly timeoutMs: number
  readonly fetch: typeof fetch
  readonly backend: CryptoBackend
  readonly clock: () => number
  /** The issuer's keys and allowed algorithms, for RFC 9701 JWT responses. */
  readonly keyStore: IssuerKeyStore
  readonly algorithms: ReadonlySet<string>
}

/** A 503 whose description names at most the issuer; `cause` (operator-only) holds the precise fault. */
function unavailable(description: string, cause?: unknown): GuardError {
  return new GuardError('ERR_INTROSPECTION_UNAVAILABLE', description, cause === undefined ? {} : { cause })
}

/**
 * Asks an issuer about a token (RFC 7662), with a cache keyed by SHA-256 of the token, one call in
 * flight per token (concurrent requests share it), and every failure — network, timeout, non-200,
 * non-JSON, oversized, an RFC 9701 response that does not verify — refused as 503, never allowed.
 * Returns the response members; whether they make the token acceptable is decided by the caller.
 */
export class TokenIntrospector {
  readonly #rules: IntrospectionRules
  readonly #client: ClientAuthenticator
  readonly #inFlight = new Map<string, Promise<Record<string, unknown>>>()

  constructor(rules: IntrospectionRules) {
    this.#rules = rules
    this.#client = new ClientAuthenticator(rules.credentials, rules.issuer)
  }

  get tokens(): 'opaque' | 'all' {
    return this.#rules.tokens
  }

  get issuer(): string {
    return this.#rules.issuer
  }

  get tokenPrefix(): string | undefined {
    return this.#rules.tokenPrefix
  }

  async introspect(token: string): Promise<Record<string, unknown>> {
    const key = await this.#rules.backend.sha256Base64url(`${this.#rules.issuer}\n${token}`)
    const cached = await this.#readCache(key)
    if (cached !== undefined) return cached
    let pending = this.#inFlight.get(key)
    if (pending === undefined) {
      pending = this.#ask(token, key).finally(() => this.#inFlight.delete(key))
      this.#inFlight.set(key, pending)
    }
    return pending
  }

  /**
   * A cached response, or `undefined`: a store that fails, hangs past the timeout, or answers anything
   * but a JSON object (`null` for a miss, as Redis clients do) is a miss, and the issuer is asked.
   */
  async #readCache(key: string): Promise<Record<string, unknown> | undefined> {
    const cache = this.#rules.cache
    if (cache === undefined) return undefined
    try {
      const value = await callStore(cache.store, (store) => store.get(key), this.#rules.timeoutMs)
      return isPlainObject(value) ? value : undefined
    } catch {
      return undefined
    }
  }

  async #ask(token: string, key: string): Promise<Record<string, unknown>> {
    const rules = this.#rules
    // Frozen: the same object is shared by concurrent callers and cache hits, and reaches routes as
    // `auth.claims`; a route changing it (scope, cnf, exp) must not change what later requests are granted.
    const response = deepFreeze(await this.#call(token))
    const cache = rules.cache
    if (cache !== undefined) {
      const now = rules.clock()
      const ttl = response.active === true ? Math.min(cache.ttlMs, Number(response.exp) * 1000 - now) : cache.negativeTtlMs
      // Not awaited: a slow shared store must not hold the request that brought the answer.
      if (Number.isFinite(ttl) && ttl > 0) void callStore(cache.store, (store) => store.set(key, response, ttl), rules.timeoutMs).catch(() => {})
    }
    return response
  }

  async #call(token: string): Promise<Record<string, unknown>> {
    const rules = this.#rules
    let endpoint: URL
    try {
      endpoint = await rules.endpoint()
    } catch (error) {
      throw unavailable(`the introspection endpoint of issuer "${rules.issuer}" is unknown`, error)
    }
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: rules.responseFormat === 'jwt' ? JWT_MEDIA_TYPE : 'application/json',
    }
    const body = new URLSearchParams({ token, token_type_hint: 'access_token' })
    try {
      await this.#client.apply(headers, body, rules.clock() / 1000)
    } catch {
      // A key that passed the option checks but cannot sign (its `alg` does not fit it): a fault on our side, not the token's.
      throw unavailable('the client authentication for introspection could not be made (check "introspection.privateKey")')
    }
    let document
    try {
      document = await fetchDocument(endpoint, { method: 'POST', headers, body: body.toString() }, rules.fetch, rules.timeoutMs, MAX_INTROSPECTION_RESPONSE_BYTES, 'the introspection endpoint')
    } catch (error) {
      // The endpoint's address, query (an API key) or userinfo are for the operator (`cause`), never the client.
      if (error instanceof HTTPExchangeError) throw unavailable(`token introspection at issuer "${rules.issuer}" failed`, error)
      throw error
    }
    if (rules.responseFormat === 'jwt') {
      if (document.contentType !== JWT_MEDIA_TYPE) throw unavailable('the introspection response is not a signed JWT (RFC 9701)')
      return this.#verifyJWTResponse(document.text.trim())
    }
    let value: unknown
    try {
      value = JSON.parse(document.text)
    } catch {
      throw unavailable('the introspection response is not JSON')
    }
    if (!isPlainObject(value)) throw unavailable('the introspection response is not a JSON object')
    return value
  }

  /**
   * RFC 9701 §5: a JWT signed with the issuer's keys and an allowed `alg`, `typ`
   * `token-introspection+jwt`, `iss` the issuer, `aud` our client id, `iat` present, and the result
   * under `token_introspection`. Anything else is refused as untrustworthy (503).
   */
  async #verifyJWTResponse(jwt: string): Promise<Record<string, unknown>> {
    const rules = this.#rules
    const refuse = (what: string) => unavailable(`the signed introspection response (RFC 9701) ${what}`)
    let jws
    try {
      jws = parseCompactJWS(jwt)
    } catch {
      throw refuse('is not a compact JWS')
    }
    const { header, payload, signature, signingInput } = jws
    checkTyp(header, INTROSPECTION_JWT, () => refuse('has a "typ" other than "token-introspection+jwt"'))
    const alg = checkAlg(header, rules.algorithms, () => refuse('is signed with an algorithm not allowed'))
    checkCrit(header, () => refuse('names "crit" extensions not understood'))
    const kid = checkKid(header, () => refuse('has a "kid" that is not a string'))
    let verified: boolean
    try {
      const key = await rules.keyStore.resolve(kid, alg)
      verified = await rules.backend.verify(alg, key.key, signature, signingInput)
    } catch (error) {
      if (isGuardError(error) && error.status === 503) throw error
      throw refuse('is signed with no key of the issuer')
    }
    if (!verified) throw refuse('has a signature that does not verify')
    const aud = typeof payload.aud === 'string' ? [payload.aud] : payload.aud
    if (payload.iss !== rules.issuer) throw refuse('names another "iss"')
    if (!Array.isArray(aud) || !aud.includes(rules.credentials.clientId)) throw refuse('is not addressed ("aud") to this client')
    if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) throw refuse('has no numeric "iat"')
    if (!isPlainObject(payload.token_introspection)) throw refuse('has no "token_introspection" object')
    return payload.token_introspection
  }
}
