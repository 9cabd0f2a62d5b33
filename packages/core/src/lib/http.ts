/** An outbound HTTP exchange failed; the message names the URL and the reason, never a secret or token. */
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
  const where = `${init.method} ${url.href}`
  let response: Response
  try {
    response = await fetchImpl(url.href, { ...init, redirect: 'manual', signal })
  } catch (cause) {
    throw new HTTPExchangeError(`${where} ${isTimeout(cause, signal) ? `timed out after ${timeoutMs} ms` : 'failed'}`)
  }
  if (response.status !== 200) {
    void response.body?.cancel().catch(() => {})
    throw new HTTPExchangeError(`${where} answered ${response.status}`)
  }
  if (Number(response.headers.get('content-length')) > maxBytes) {
    void response.body?.cancel().catch(() => {})
    throw new HTTPExchangeError(`${where} answered a body over ${maxBytes} bytes`)
  }
  let text: string
  try {
    text = await response.text()
  } catch (cause) {
    throw new HTTPExchangeError(`${where} ${isTimeout(cause, signal) ? `timed out after ${timeoutMs} ms` : 'failed while reading the body'}`)
  }
  if (text.length > maxBytes) throw new HTTPExchangeError(`${where} answered a body over ${maxBytes} bytes`)
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  return { contentType, text }
}

function isTimeout(cause: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (cause instanceof Error && cause.name === 'TimeoutError')
}
