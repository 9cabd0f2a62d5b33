import { isPlainObject } from './encoding.js'
import { redactURL } from './url.js'

/** Milliseconds an outbound request (metadata, keys, introspection) may take (`httpTimeout`, `introspection.timeout`). */
export const DEFAULT_HTTP_TIMEOUT = 5000

/**
 * An outbound HTTP exchange (metadata, key set, introspection) failed. The message names the URL
 * (without userinfo or query) and the reason, for operators; `summary` says the same naming only the
 * kind of endpoint ("the jwks_uri answered 404"), for audit events, which never carry an endpoint's
 * address. Neither ever holds a secret or a token.
 */
export class HTTPExchangeError extends Error {
  override readonly name = 'HTTPExchangeError'
  /** The message without the endpoint's address. */
  readonly summary: string

  constructor(message: string, summary: string, options?: ErrorOptions) {
    super(message, options)
    this.summary = summary
  }
}

/** What came back: status 200 only, the media type, and the body as text. */
export interface HTTPDocument {
  readonly contentType: string
  readonly text: string
}

/**
 * One bounded HTTP exchange: no redirects followed, anything but 200 is an error, the body is capped
 * at `maxBytes`, and the whole exchange (headers and body) must finish within `timeoutMs`.
 */
export async function fetchDocument(
  url: URL,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  fetchImpl: typeof fetch,
  timeoutMs: number,
  maxBytes: number,
  /** What the URL is, for the summary ("the jwks_uri"). */
  label: string,
): Promise<HTTPDocument> {
  const signal = AbortSignal.timeout(timeoutMs)
  // Userinfo and query left out: the message is for operators, and never carries a credential.
  const where = `${init.method} ${redactURL(url)}`
  const failed = (reason: string) => new HTTPExchangeError(`${where} ${reason}`, `${label} ${reason}`)
  let response: Response
  try {
    response = await fetchImpl(url.href, { ...init, redirect: 'manual', signal })
  } catch (cause) {
    throw failed(isTimeout(cause, signal) ? `timed out after ${timeoutMs} ms` : `failed${networkReason(cause)}`)
  }
  if (response.status !== 200) {
    void response.body?.cancel().catch(() => {})
    throw failed(`answered ${response.status}`)
  }
  if (Number(response.headers.get('content-length')) > maxBytes) {
    void response.body?.cancel().catch(() => {})
    throw failed(`answered a body over ${maxBytes} bytes`)
  }
  let text: string | undefined
  try {
    text = await readCapped(response, maxBytes)
  } catch (cause) {
    throw failed(isTimeout(cause, signal) ? `timed out after ${timeoutMs} ms` : 'failed while reading the body')
  }
  if (text === undefined) throw failed(`answered a body over ${maxBytes} bytes`)
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  return { contentType, text }
}

/**
 * The body as UTF-8 text, read chunk by chunk and given up (`undefined`) as soon as it passes `maxBytes`
 * bytes: an endless or huge body is cut off at the cap, not buffered until the timeout. Bytes, not
 * UTF-16 units, are counted.
 */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      void reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}

/**
 * GETs a JSON object (metadata, key sets) through `fetchDocument`: redirects not followed (RFC 8414 §3,
 * as jose's `fetchJwks`), 200 only, the body read as a stream and cut off past `maxBytes`, headers
 * and body within `timeoutMs`.
 */
export async function fetchJSONObject(url: URL, fetchImpl: typeof fetch, timeoutMs: number, maxBytes: number, label: string): Promise<Record<string, unknown>> {
  const document = await fetchDocument(url, { method: 'GET', headers: { accept: 'application/json' } }, fetchImpl, timeoutMs, maxBytes, label)
  const failed = (reason: string) => new HTTPExchangeError(`GET ${redactURL(url)} ${reason}`, `${label} ${reason}`)
  let value: unknown
  try {
    value = JSON.parse(document.text)
  } catch {
    throw failed('answered something that is not JSON')
  }
  if (!isPlainObject(value)) throw failed('answered JSON that is not an object')
  return value
}

/**
 * Why a connection failed, as the runtime says it (` (ECONNREFUSED)`, ` (CERT_HAS_EXPIRED: certificate
 * has expired)`): undici wraps the socket's error as `cause` of "fetch failed". Codes and messages of
 * the network layer hold no credentials.
 */
function networkReason(error: unknown): string {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as Error & { code?: unknown }).code
    if (typeof code === 'string') return code.startsWith('ERR_TLS') || code.includes('CERT') ? ` (${code}: ${current.message})` : ` (${code})`
  }
  return ''
}

function isTimeout(cause: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (cause instanceof Error && cause.name === 'TimeoutError')
}
