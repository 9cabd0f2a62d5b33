import type { ClientCertificate, RequestLike } from '@fapi-guard/core'
import type { Request } from 'express'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'

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
 * which then takes the place of `Host` (RFC 9112 §3.2.2). Forwarded headers are not read.
 */
function readRequestURL(req: Request, scheme: 'http' | 'https'): string {
  const target = req.originalUrl
  if (!target.startsWith('/')) {
    try {
      const absolute = new URL(target)
      return `${scheme}://${absolute.host}${absolute.pathname}${absolute.search}`
    } catch {
      // asterisk-form or garbage: fall through and let the core refuse what it cannot read
    }
  }
  const host = req.headers.host
  return `${scheme}://${host !== undefined && host.length > 0 ? host : localAuthority(req.socket)}${target}`
}

/** The DER of the TLS peer certificate, when the client presented one (RFC 8705 §3). */
function readClientCertificate(socket: TLSSocket): ClientCertificate | undefined {
  const certificate = socket.getPeerCertificate() as ReturnType<TLSSocket['getPeerCertificate']> | null
  const raw = certificate?.raw
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined
}

/**
 * Builds the core `RequestLike` of an Express request, once. Headers come from `headersDistinct`,
 * which keeps every occurrence of a repeated field apart (Node's `headers` keeps only the first
 * `Authorization` and joins `DPoP`), so the core can refuse duplicates. The adapter reads no
 * `Forwarded` / `X-Forwarded-*` header itself: it passes the socket's peer address, and the core
 * believes such headers only from peers listed in its `proxy.trusted` option (none by default).
 */
export function buildRequestLike(req: Request): RequestLike {
  const socket = req.socket
  const tls = isTLSSocket(socket)
  return {
    method: req.method,
    url: readRequestURL(req, tls ? 'https' : 'http'),
    headers: req.headersDistinct,
    clientCertificate: tls ? readClientCertificate(socket) : undefined,
    peerAddress: socket.remoteAddress,
  }
}
