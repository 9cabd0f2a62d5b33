import { GuardError } from '../errors/guard-error.js'
import type { CryptoBackend } from './crypto-backend.js'
import { fetchJSONObject, HTTPExchangeError } from '../lib/http.js'
import { redactURL } from '../lib/url.js'
import { MAX_DOCUMENT_BYTES, metadataEndpoint, type IssuerMetadata } from './issuer-metadata.js'
import { candidateKeys, readKeySet, type KeyEntry } from './select-key.js'
import type { JSONWebKeySet } from '../types.js'

/** Before any key is known, how soon a failed fetch may be tried again (ms). */
export const FIRST_LOAD_RETRY_MS = 5000

/** Least seconds between two key-set fetches caused by an unknown `kid` (`jwksCooldown`). */
export const DEFAULT_JWKS_COOLDOWN = 30
/** Seconds after which a key set is refreshed in the background (`jwksCacheMaxAge`). */
export const DEFAULT_JWKS_CACHE_MAX_AGE = 600

/** Where one issuer's keys come from. */
export type KeySource =
  | { readonly kind: 'static'; readonly jwks: JSONWebKeySet }
  | { readonly kind: 'remote'; readonly jwksUri: URL }
  | { readonly kind: 'discovery' }

/** One issuer and where its keys come from. */
export interface IssuerKeys {
  readonly issuer: string
  readonly keys: KeySource
}

/** What a key store needs from the guard. */
export interface KeyStoreContext {
  readonly backend: CryptoBackend
  readonly fetch: typeof fetch
  readonly httpTimeoutMs: number
  /** Least time between two fetches caused by an unknown `kid`. */
  readonly cooldownMs: number
  /** Age after which the key set is refreshed in the background. */
  readonly maxAgeMs: number
  readonly clock: () => number
  /** The issuer's metadata, for discovery of `jwks_uri` (shared with introspection). */
  readonly metadata: IssuerMetadata
}

/** A key ready for `CryptoBackend.verify`, and the `kid` it was found by. */
export interface ResolvedKey {
  readonly key: unknown
  readonly kid: string | undefined
}

/**
 * One issuer's keys: inline, from `jwks_uri`, or found by discovery. Fetched lazily and cached; an unknown
 * `kid` refetches at most once per cooldown, with concurrent misses sharing one fetch; a failed refresh
 * keeps the last good keys; only the configured issuer's keys are ever used for its tokens.
 */
export class IssuerKeyStore {
  #entries: KeyEntry[] | undefined
  #loadedAt = 0
  #lastAttempt = Number.NEGATIVE_INFINITY
  #pending: Promise<void> | undefined
  #jwksUri: URL | undefined
  #fingerprint = ''
  #version = 0
  /** Why the last fetch failed: the operator's cause of `ERR_JWKS_UNAVAILABLE`. */
  #lastError: unknown

  constructor(
    readonly issuer: IssuerKeys,
    private readonly context: KeyStoreContext,
  ) {
    if (issuer.keys.kind === 'static') {
      this.#entries = readKeySet(issuer.keys.jwks)
    } else if (issuer.keys.kind === 'remote') {
      this.#jwksUri = issuer.keys.jwksUri
    }
  }

  /** Changes whenever the key set does: verified-token cache entries from another version are not used. */
  get version(): number {
    return this.#version
  }

  /**
   * Starts a background refresh when the key set is older than `jwksCacheMaxAge`, no more than once per
   * cooldown (a failing key server is not hit on every request). Never waits, never throws.
   */
  refreshIfStale(): void {
    if (this.#entries !== undefined && this.context.clock() - this.#loadedAt > this.context.maxAgeMs && this.#mayRefetch()) {
      void this.#refresh()
    }
  }

  /** Finds and imports the key for a token's `kid` and `alg`; throws a `GuardError` when there is none. */
  async resolve(kid: string | undefined, alg: string): Promise<ResolvedKey> {
    if (this.#entries === undefined) {
      // A first load under way is joined, not refused: concurrent requests at start-up share one fetch.
      if ((this.#pending === undefined && !this.#mayRetryFirstLoad()) || !(await this.#refresh())) throw this.#unavailable()
    } else {
      this.refreshIfStale()
    }
    let candidates = candidateKeys(this.#entries ?? [], kid, alg)
    // An unknown kid waits for a fetch already under way (single flight), else refetches once per cooldown.
    if (candidates.length === 0 && (this.#pending !== undefined || this.#mayRefetch())) {
      const refreshed = await this.#refresh()
      candidates = candidateKeys(this.#entries ?? [], kid, alg)
      if (candidates.length === 0 && !refreshed) throw this.#unavailable()
    }
    if (candidates.length === 0) {
      throw new GuardError(
        'ERR_JWKS_NO_MATCHING_KEY',
        kid === undefined ? `no key of the issuer fits "alg" ${alg}` : `no key of the issuer has this "kid" and fits "alg" ${alg}`,
      )
    }
    if (candidates.length > 1) {
      throw new GuardError('ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'the token has no "kid" and several keys of the issuer fit')
    }
    const entry = candidates[0] as KeyEntry
    // Before import: a key anyone can sign for (RSA e = 1, an Ed25519 small-order point…) never reaches a backend.
    if (entry.weakness !== undefined) throw new GuardError('ERR_JWT_KEY_TOO_WEAK', `the issuer's key is refused: ${entry.weakness}`)
    return { key: await this.#import(entry, alg), kid: entry.kid }
  }

  #unavailable(): GuardError {
    return new GuardError('ERR_JWKS_UNAVAILABLE', `the keys of issuer "${this.issuer.issuer}" are unavailable`, { cause: this.#lastError })
  }

  /**
   * Readiness: loads the key set now (metadata first, when keys are found by discovery), whatever the
   * retry windows say, and rejects with the precise reason (`HTTPExchangeError`: the URL and status,
   * not JSON, an issuer that differs, a connection or TLS error, a timeout). Inline keys are ready.
   */
  async ready(): Promise<void> {
    if (this.issuer.keys.kind === 'static') return
    if (this.#jwksUri === undefined) await this.context.metadata.get(true)
    if (!(await this.#refresh())) throw this.#lastError
  }

  /** Before any key is known, a failed fetch is retried after `FIRST_LOAD_RETRY_MS` (or the cooldown, if shorter). */
  #mayRetryFirstLoad(): boolean {
    return this.context.clock() - this.#lastAttempt >= Math.min(FIRST_LOAD_RETRY_MS, this.context.cooldownMs)
  }

  #mayRefetch(): boolean {
    return this.issuer.keys.kind !== 'static' && this.context.clock() - this.#lastAttempt >= this.context.cooldownMs
  }

  async #import(entry: KeyEntry, alg: string): Promise<unknown> {
    let imported = entry.imported.get(alg)
    if (imported === undefined) {
      imported = this.context.backend.importKey(entry.jwk, alg)
      entry.imported.set(alg, imported)
    }
    try {
      return await imported
    } catch {
      entry.imported.delete(alg)
      throw new GuardError('ERR_JWKS_NO_MATCHING_KEY', "the issuer's key for this token could not be imported")
    }
  }

  /** Refetches the key set, sharing a fetch already under way; true when it succeeded. Never throws. */
  async #refresh(): Promise<boolean> {
    this.#pending ??= this.#fetchKeys().finally(() => {
      this.#pending = undefined
    })
    try {
      await this.#pending
      this.#lastError = undefined
      return true
    } catch (error) {
      this.#lastError = error
      return false
    }
  }

  async #fetchKeys(): Promise<void> {
    this.#lastAttempt = this.context.clock()
    const { fetch, httpTimeoutMs } = this.context
    if (this.#jwksUri === undefined) {
      const jwksUri = metadataEndpoint(await this.context.metadata.get(), 'jwks_uri')
      if (jwksUri === undefined) {
        throw new HTTPExchangeError(`the metadata of "${this.issuer.issuer}" has no https "jwks_uri"`, 'the metadata has no https "jwks_uri"')
      }
      this.#jwksUri = jwksUri
    }
    const document = await fetchJSONObject(this.#jwksUri, fetch, httpTimeoutMs, MAX_DOCUMENT_BYTES, 'the jwks_uri')
    let entries: KeyEntry[]
    try {
      entries = readKeySet(document)
    } catch {
      throw new HTTPExchangeError(
        `GET ${redactURL(this.#jwksUri)} answered something that is not a JSON Web Key Set`,
        'the jwks_uri answered something that is not a JSON Web Key Set',
      )
    }
    // The version moves only when the key set's content changes, so caches keyed on it survive refreshes.
    const fingerprint = JSON.stringify(entries.map((entry) => entry.jwk))
    if (fingerprint !== this.#fingerprint) {
      this.#fingerprint = fingerprint
      this.#version++
    }
    this.#entries = entries
    this.#loadedAt = this.context.clock()
  }
}
