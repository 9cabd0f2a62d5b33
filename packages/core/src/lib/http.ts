import { isPlainObject } from './encoding.js'
import { redactURL } from './url.js'

/**
 * An outbound HTTP exchange (metadata, key set, introspection) failed; the message names the URL
 * (without userinfo or query) and the reason, never a secret or token. For operators: a refusal's
 * description names the issuer instead, and carries this as its `cause`.
 */
export class HTTPExchangeError extends Error {
  override readonly name = 'HTTPExchangeError'
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
): Promise<HTTPDocument> {
  const signal = AbortSignal.timeout(timeoutMs)
  // Userinfo and query left out: the message is for operators, and never carries a credential.
  const where = `${init.method} ${redactURL(url)}`
  let response: Response
  try {
    response = await fetchImpl(url.href, { ...init, redirect: 'manual', signal })
  } catch (cause) {
    throw new HTTPExchangeError(`${where} ${isTimeout(cause, signal) ? `timed out after ${timeoutMs} ms` : `failed${networkReason(cause)}`}`)
  }
  if (response.status !== 200) {
    void response.body?.cancel().catch(() => {})
    throw new HTTPExchangeError(`${where} answered ${response.status}`)
  }
  if (Number(response.headers.get('content-length')) > maxBytes) {
    void response.body?.cancel().catch(() => {})
    throw new HTTPExchangeError(`${where} answered a body over ${maxBytes} bytes`)
  }
  let text: string | undefined
  try {
    text = await readCapped(response, maxBytes)
  } catch (cause) {
    throw new HTTPExchangeError(`${where} ${isTimeout(cause, signal) ? `timed out after ${timeoutMs} ms` : 'failed while reading the body'}`)
  }
  if (text === undefined) throw new HTTPExchangeError(`${where} answered a body over ${maxBytes} bytes`)
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
export async function fetchJSONObject(url: URL, fetchImpl: typeof fetch, timeoutMs: number, maxBytes: number): Promise<Record<string, unknown>> {
  const document = await fetchDocument(url, { method: 'GET', headers: { accept: 'application/json' } }, fetchImpl, timeoutMs, maxBytes)
  let value: unknown
  try {
    value = JSON.parse(document.text)
  } catch {
    throw new HTTPExchangeError(`GET ${redactURL(url)} answered something that is not JSON`)
  }
  if (!isPlainObject(value)) throw new HTTPExchangeError(`GET ${redactURL(url)} answered JSON that is not an object`)
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
