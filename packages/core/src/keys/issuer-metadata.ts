import { quote, trailingSlashHint } from '../errors/diagnosis.js'
import { fetchJSONObject, HTTPExchangeError } from '../lib/http.js'
import { isSecureOrLoopback, parseURL, redactURL } from '../lib/url.js'

/** Largest metadata or key-set document read, in bytes. */
export const MAX_DOCUMENT_BYTES = 512 * 1024

/**
 * Metadata URLs to try for an issuer, in order: RFC 8414 §3.1 (`/.well-known/oauth-authorization-server`
 * inserted before the path), then OpenID Connect Discovery 1.0 §4 (`/.well-known/openid-configuration` appended).
 */
export function metadataURLs(issuer: string): URL[] {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return [
    new URL(`${url.origin}/.well-known/oauth-authorization-server${path}`),
    new URL(`${url.origin}${path}/.well-known/openid-configuration`),
  ]
}

/** An endpoint URL from metadata: a string, absolute, https (plain http only on loopback hosts). */
export function metadataEndpoint(metadata: Record<string, unknown>, member: string): URL | undefined {
  const value = metadata[member]
  const url = typeof value === 'string' ? parseURL(value) : undefined
  return url !== undefined && isSecureOrLoopback(url) ? url : undefined
}

/** What each of `metadataURLs` is, for summaries that do not name the URL. */
const METADATA_LABELS = ['the RFC 8414 metadata', 'the OpenID configuration']

/** Before metadata is known, how soon a failed fetch may be tried again (ms). */
export const METADATA_RETRY_MS = 5000

/**
 * An issuer's RFC 8414 / OpenID Connect metadata, fetched on first use and kept. Concurrent callers
 * share one fetch; after a failure a new fetch is tried at most every `METADATA_RETRY_MS`. The
 * document's `issuer` must equal the configured one exactly (RFC 8414 §3.3).
 */
export class IssuerMetadata {
  #document: Record<string, unknown> | undefined
  #pending: Promise<Record<string, unknown>> | undefined
  #lastFailure = Number.NEGATIVE_INFINITY
  #lastError: Error | undefined

  constructor(
    readonly issuer: string,
    private readonly context: { readonly fetch: typeof fetch; readonly httpTimeoutMs: number; readonly clock: () => number },
  ) {}

  /**
   * The metadata; after a failure, for `METADATA_RETRY_MS`, the same failure again without a fetch.
   * `force` (readiness) fetches whatever the retry window says.
   */
  async get(force = false): Promise<Record<string, unknown>> {
    if (this.#document !== undefined) return this.#document
    if (!force && this.#pending === undefined && this.context.clock() - this.#lastFailure < METADATA_RETRY_MS) {
      throw new HTTPExchangeError(`metadata of "${this.issuer}" is unavailable (retrying shortly)`, 'the metadata is unavailable (retrying shortly)', {
        cause: this.#lastError,
      })
    }
    this.#pending ??= this.#fetch()
      .catch((error: unknown) => {
        this.#lastFailure = this.context.clock()
        this.#lastError = error as Error
        throw error
      })
      .finally(() => {
        this.#pending = undefined
      })
    return this.#pending
  }

  async #fetch(): Promise<Record<string, unknown>> {
    const failures: HTTPExchangeError[] = []
    for (const [i, url] of metadataURLs(this.issuer).entries()) {
      const label = METADATA_LABELS[i] as string
      let metadata: Record<string, unknown>
      try {
        metadata = await fetchJSONObject(url, this.context.fetch, this.context.httpTimeoutMs, MAX_DOCUMENT_BYTES, label)
      } catch (error) {
        if (!(error instanceof HTTPExchangeError)) throw error
        failures.push(error)
        continue
      }
      if (metadata.issuer !== this.issuer) {
        const named = typeof metadata.issuer === 'string' ? metadata.issuer : ''
        const mismatch = `names the issuer ${quote(metadata.issuer)}, not the configured ${quote(this.issuer)}${trailingSlashHint(named, this.issuer)}`
        throw new HTTPExchangeError(`metadata at ${redactURL(url)} ${mismatch}`, `the ${label} ${mismatch}`)
      }
      this.#document = metadata
      return metadata
    }
    throw new HTTPExchangeError(
      `discovery for "${this.issuer}" failed: ${failures.map((failure) => failure.message).join('; ')}`,
      `discovery failed: ${failures.map((failure) => failure.summary).join('; ')}`,
    )
  }
}
