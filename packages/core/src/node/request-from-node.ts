import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { REQUEST_DEFECT } from '../request/request-defect.js'
import { hostDefect, isValidAuthority } from '../request/resolve-request-url.js'
import type { ClientCertificate, RequestLike } from '../types.js'

function isTLSSocket(socket: Socket): socket is TLSSocket {
  return (socket as Partial<TLSSocket>).encrypted === true && typeof (socket as Partial<TLSSocket>).getPeerCertificate === 'function'
}

/** The socket's own address, for an HTTP/1.0 request that sent no `Host` (RFC 9112 §3.2). */
function localAuthority(socket: Socket): string {
  const address = socket.localAddress ?? '127.0.0.1'
  const host = address.includes(':') ? `[${address}]` : address
  return socket.localPort === undefined ? host : `${host}:${socket.localPort}`
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' }

/** An authority in the form two spellings of it compare in: lower case, the scheme's default port dropped. */
function comparableAuthority(authority: string, scheme: string): string {
  const lower = authority.toLowerCase()
  const port = DEFAULT_PORTS[scheme]
  return port !== undefined && lower.endsWith(`:${port}`) && !lower.endsWith(']') ? lower.slice(0, -port.length - 1) : lower
}

/**
 * The `Host` field lines, or HTTP/2's `:authority` (RFC 9113 §8.3.1); when a request has both they must
 * agree, else they count as two (a bad request).
 */
function readAuthorities(headers: Record<string, string[]>): string[] | undefined {
  const host = headers.host
  const authority = headers[':authority']
  if (host === undefined || authority === undefined) return host ?? authority
  return authority.length === 1 && host.length === 1 && authority[0]?.toLowerCase() === host[0]?.toLowerCase() ? authority : [...authority, ...host]
}

const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/

/** The URL the client addressed, or why it cannot be known (a request to refuse with 400). */
type RequestURL = { readonly url: string } | { readonly defect: string }

/**
 * The URL as the client addressed it, built only from validated parts: the connection's scheme, the
 * one `Host` (a valid `uri-host [ ":" port ]`, RFC 9112 §3.2, RFC 3986 §3.2.2), and the request-target
 * as written. An absolute-form target (`GET http://host/path`) must be http(s), without userinfo, and
 * name the same authority as `Host` (RFC 9112 §3.2.2). Anything else — two `Host` fields, an empty or
 * malformed one, asterisk- or authority-form — is a defect. Forwarded headers are not read here.
 */
function readRequestURL(req: IncomingMessage, hosts: readonly string[] | undefined, target: string, scheme: 'http' | 'https'): RequestURL {
  const defect = hostDefect(hosts ?? [])
  if (defect !== undefined) return { defect }
  const host = hosts?.[0]?.trim()
  if (target.startsWith('/')) return { url: `${scheme}://${host ?? localAuthority(req.socket)}${target}` }
  const absolute = ABSOLUTE_FORM.exec(target)
  if (absolute === null) return { defect: 'the request target is neither origin-form nor absolute-form' }
  const [, targetScheme, authority, rest] = absolute as unknown as [string, string, string, string]
  const lowerScheme = targetScheme.toLowerCase()
  if (lowerScheme !== 'http' && lowerScheme !== 'https') return { defect: 'the request target is not an http(s) URL' }
  if (authority.includes('@')) return { defect: 'the request target has userinfo' }
  if (!isValidAuthority(authority)) return { defect: 'the request target has no valid host[:port]' }
  if (host !== undefined && comparableAuthority(host, lowerScheme) !== comparableAuthority(authority, lowerScheme)) {
    return { defect: 'the Host header differs from the host of the absolute-form request target' }
  }
  return { url: `${scheme}://${authority}${rest.startsWith('/') ? rest : `/${rest}`}` }
}

/** The DER of the TLS peer certificate (the leaf), when the client presented one (RFC 8705 §3). */
function readClientCertificate(socket: TLSSocket): ClientCertificate | undefined {
  const certificate = socket.getPeerCertificate() as ReturnType<TLSSocket['getPeerCertificate']> | null
  const raw = certificate?.raw
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined
}

/**
 * Every header with each occurrence kept apart, names in lower case, as Node's `headersDistinct` has
 * them, but read straight from `rawHeaders` in one pass: Node builds `headersDistinct` and `headers`
 * lazily, each through its own per-field bookkeeping, and a server that reads neither pays for
 * neither. No prototype, so a header named `__proto__` or `constructor` is just a header. A request
 * object without `rawHeaders` (a hand-made one) is read from `headersDistinct`, else `headers`.
 */
function distinctHeaders(req: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>
  const add = (name: unknown, value: unknown) => {
    if (typeof name !== 'string' || typeof value !== 'string') return
    const key = name.toLowerCase()
    const values = headers[key]
    if (values === undefined) headers[key] = [value]
    else values.push(value)
  }
  const raw: unknown = req.rawHeaders
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) add(raw[i], raw[i + 1])
    return headers
  }
  const record: unknown = (req as Partial<IncomingMessage>).headersDistinct ?? req.headers
  if (typeof record === 'object' && record !== null) {
    for (const [name, value] of Object.entries(record)) {
      if (Array.isArray(value)) for (const item of value) add(name, item)
      else add(name, value)
    }
  }
  return headers
}

/**
 * Builds the `RequestLike` of a Node request, once, for every Node adapter. The URL is built only from
 * a validated `Host` and target (`readRequestURL`); a request where they are malformed is marked, and
 * the guard refuses it with 400 `invalid_request`. Headers come from
 * `rawHeaders`, every occurrence of a repeated field kept apart (Node's `headers` keeps only the
 * first `Authorization` and joins `DPoP`), so repeats are refused. The TLS client certificate
 * is read only when a certificate-bound token asks for it. `target` is the request target as received
 * (frameworks that rewrite `req.url` for mounted routers keep the original: Express `originalUrl`).
 * Forwarded headers are not believed here: the peer address is passed on, and the guard trusts them
 * only from peers in `proxy.trusted`.
 */
export function requestFromNode(req: IncomingMessage, target: string = req.url ?? '/'): RequestLike {
  const socket = req.socket as Socket | null | undefined
  if (typeof socket !== 'object' || socket === null) {
    // Not a request a Node server made (a hand-built object, a test double): nothing in it can be trusted.
    return { method: 'GET', url: 'http://localhost/', headers: {}, [REQUEST_DEFECT]: 'the request has no connection (it was not made by a Node HTTP server)' } as RequestLike
  }
  const tls = isTLSSocket(socket)
  let certificate: ClientCertificate | undefined
  let certificateRead = false
  const headers = distinctHeaders(req)
  // The `Host` the client sent (HTTP/2: `:authority`); a middleware that rewrites `req.headers.host`
  // does not change what the client addressed (`proxy.publicUrl` does).
  const addressed = readRequestURL(req, readAuthorities(headers), target, tls ? 'https' : 'http')
  return {
    method: req.method ?? 'GET',
    // A request that cannot be read keeps only the socket's own authority, and is refused by the guard.
    url: 'url' in addressed ? addressed.url : `${tls ? 'https' : 'http'}://${localAuthority(socket)}/`,
    ...('defect' in addressed && { [REQUEST_DEFECT]: addressed.defect }),
    headers,
    peerAddress: socket.remoteAddress,
    get clientCertificate() {
      if (!certificateRead && tls) certificate = readClientCertificate(socket)
      certificateRead = true
      return certificate
    },
  }
}
