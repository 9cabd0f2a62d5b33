import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
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

/**
 * The URL as the client addressed it: the connection's scheme, the `Host` header and the
 * origin-form target. An absolute-form target (`GET http://host/path`) names its own authority,
 * which then takes the place of `Host` (RFC 9112 §3.2.2). Forwarded headers are not read here.
 */
function readRequestURL(req: IncomingMessage, host: string | undefined, target: string, scheme: 'http' | 'https'): string {
  if (!target.startsWith('/')) {
    try {
      const absolute = new URL(target)
      return `${scheme}://${absolute.host}${absolute.pathname}${absolute.search}`
    } catch {
      // asterisk-form or garbage: fall through and let the core refuse what it cannot read
    }
  }
  return `${scheme}://${host !== undefined && host.length > 0 ? host : localAuthority(req.socket)}${target}`
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
 * Builds the `RequestLike` of a Node request, once, for every Node adapter. Headers come from
 * `rawHeaders`, every occurrence of a repeated field kept apart (Node's `headers` keeps only the
 * first `Authorization` and joins `DPoP`), so repeats are refused. The TLS client certificate
 * is read only when a certificate-bound token asks for it. `target` is the request target as received
 * (frameworks that rewrite `req.url` for mounted routers keep the original: Express `originalUrl`).
 * Forwarded headers are not believed here: the peer address is passed on, and the guard trusts them
 * only from peers in `proxy.trusted`.
 */
export function requestFromNode(req: IncomingMessage, target: string = req.url ?? '/'): RequestLike {
  const socket = req.socket
  const tls = isTLSSocket(socket)
  let certificate: ClientCertificate | undefined
  let certificateRead = false
  const headers = distinctHeaders(req)
  return {
    method: req.method ?? 'GET',
    // The `Host` the client sent (the first, as Node's `req.headers.host`); a middleware that rewrites
    // `req.headers.host` does not change what the client addressed (`proxy.publicUrl` does).
    url: readRequestURL(req, headers.host?.[0], target, tls ? 'https' : 'http'),
    headers,
    peerAddress: socket.remoteAddress,
    get clientCertificate() {
      if (!certificateRead && tls) certificate = readClientCertificate(socket)
      certificateRead = true
      return certificate
    },
  }
}
