import { isPlainObject } from '../lib/encoding.js'

/** Largest metadata or key-set document read, in bytes. */
export const MAX_DOCUMENT_BYTES = 512 * 1024

/** A metadata or key-set fetch failed; the message names the URL and the reason, never a secret. */
export class KeySourceError extends Error {
  override readonly name = 'KeySourceError'
}

/**
 * GETs a JSON object. Redirects are not followed (RFC 8414 §3, jose's `fetchJwks`), anything but 200
 * is an error, the body is capped, and the whole exchange is bounded by `timeoutMs`.
 */
export async function fetchJSONObject(
  url: URL,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  let response: Response
  try {
    response = await fetchImpl(url.href, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (cause) {
    const reason = cause instanceof Error && cause.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'failed'
    throw new KeySourceError(`GET ${url.href} ${reason}`)
  }
  if (response.status !== 200) {
    void response.body?.cancel().catch(() => {})
    throw new KeySourceError(`GET ${url.href} answered ${response.status}`)
  }
  const declared = Number(response.headers.get('content-length'))
  if (declared > MAX_DOCUMENT_BYTES) {
    void response.body?.cancel().catch(() => {})
    throw new KeySourceError(`GET ${url.href} answered a document over ${MAX_DOCUMENT_BYTES} bytes`)
  }
  let text: string
  try {
    text = await response.text()
  } catch {
    throw new KeySourceError(`GET ${url.href} failed while reading the body`)
  }
  if (text.length > MAX_DOCUMENT_BYTES) throw new KeySourceError(`GET ${url.href} answered a document over ${MAX_DOCUMENT_BYTES} bytes`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new KeySourceError(`GET ${url.href} answered something that is not JSON`)
  }
  if (!isPlainObject(value)) throw new KeySourceError(`GET ${url.href} answered JSON that is not an object`)
  return value
}
