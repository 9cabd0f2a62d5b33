/** A Fetch-compatible function over Node's HTTP(S) client, for TLS settings global `fetch` cannot take on Node 20 (a private CA, a client certificate). */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'

/** TLS settings of `createNodeFetch`: the CA to trust, and the client certificate to present. */
export interface NodeFetchTLS {
  /** PEM of the CA (or self-signed server certificate) to trust. */
  readonly ca?: string
  /** PEM of the client certificate presented in the handshake (RFC 8705), with its `key`. */
  readonly cert?: string
  readonly key?: string
}

type Body = string | URLSearchParams | Uint8Array | ArrayBuffer | null | undefined

function bodyBytes(body: unknown): Buffer | undefined {
  if (body === null || body === undefined) return undefined
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(body.toString())
  if (body instanceof Uint8Array) return Buffer.from(body)
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body))
  throw new TypeError('this fetch sends string, URLSearchParams or byte bodies only')
}

function responseHeaders(message: IncomingMessage): Headers {
  const headers = new Headers()
  for (let i = 0; i < message.rawHeaders.length; i += 2) headers.append(message.rawHeaders[i] as string, message.rawHeaders[i + 1] as string)
  return headers
}

/**
 * A `fetch` for loopback test servers: one fresh connection per request (so each handshake presents
 * the certificate), redirects not followed (`redirect` other than `manual` is treated as `manual`),
 * the whole body read before it resolves. Enough for openid-client's `customFetch` and the guard's
 * `fetch` option; not a general-purpose client.
 */
export function createNodeFetch(tls: NodeFetchTLS = {}): typeof fetch {
  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input)
    const body = bodyBytes(init.body as Body)
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value
    })
    if (body !== undefined) headers['content-length'] = String(body.length)
    const secure = url.protocol === 'https:'
    return new Promise<Response>((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          agent: false,
          ...(init.signal !== undefined && init.signal !== null && { signal: init.signal }),
          ...(secure && {
            ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
            ...(tls.cert !== undefined && tls.key !== undefined && { cert: tls.cert, key: tls.key }),
          }),
        },
        (message) => {
          const chunks: Buffer[] = []
          message.on('data', (chunk: Buffer) => chunks.push(chunk))
          message.on('error', reject)
          message.on('end', () => {
            const status = message.statusCode ?? 0
            const empty = status === 204 || status === 304 || init.method === 'HEAD'
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: message.statusMessage ?? '', headers: responseHeaders(message) }))
          })
        },
      )
      request.on('error', reject)
      request.end(body)
    })
  }
  return nodeFetch as typeof fetch
}
