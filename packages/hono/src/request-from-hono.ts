import type { ClientCertificate, RequestLike } from '@fapi-guard/core'
import type { Context } from 'hono'
import { cloudflareCertificateThumbprint, cloudflarePeerAddress } from './cloudflare.js'

/** The part of a Node socket read here (`@hono/node-server` puts the `IncomingMessage` in `c.env.incoming`). */
interface NodeSocket {
  readonly remoteAddress?: unknown
  readonly encrypted?: unknown
  getPeerCertificate?(detailed?: boolean): { raw?: unknown } | null
}

function member(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined
}

/**
 * The socket of the connection on Node (`@hono/node-server`: `c.env` is `{ incoming, outgoing }`),
 * found by shape so the package imports nothing from Node and bundles for any runtime.
 */
function nodeSocket(env: unknown): NodeSocket | undefined {
  const socket = member(member(env, 'incoming'), 'socket')
  return typeof socket === 'object' && socket !== null && 'remoteAddress' in socket ? (socket as NodeSocket) : undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * The address of the connection's peer, from what each runtime hands Hono's `fetch` beside the
 * request (what Hono's `getConnInfo` helpers read): Node's socket; Deno's `ServeHandlerInfo.remoteAddr`
 * (TCP); Bun's `server.requestIP(request)`; on Cloudflare Workers the edge's `CF-Connecting-IP`.
 * `undefined` when none is known (`app.request()`, another runtime): forwarded headers are then never believed.
 */
export function defaultPeerAddress(c: Context): string | undefined {
  const env: unknown = c.env
  const socket = nodeSocket(env)
  if (socket !== undefined) return text(socket.remoteAddress)
  const remote = member(env, 'remoteAddr')
  if (remote !== undefined) return member(remote, 'transport') === 'tcp' ? text(member(remote, 'hostname')) : undefined
  const server = typeof member(env, 'requestIP') === 'function' ? env : member(env, 'server')
  const requestIP = member(server, 'requestIP')
  if (typeof requestIP === 'function') return text(member((requestIP as (request: Request) => unknown).call(server, c.req.raw), 'address'))
  return cloudflarePeerAddress(c.req.raw)
}

/** The DER of the TLS client certificate on Node, when the client presented one. */
function readNodeCertificate(socket: NodeSocket): ClientCertificate | undefined {
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return undefined
  const raw = socket.getPeerCertificate()?.raw
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined
}

/**
 * The `RequestLike` the guard judges: the Fetch request Hono routes on (method, URL, headers), the
 * peer address (`getPeerAddress`), and the client certificate — from the TLS socket on Node, read only
 * when a certificate-bound token asks for it, or as the thumbprint Cloudflare Workers report.
 */
export function requestFromHono(c: Context, getPeerAddress: (c: Context) => string | undefined): RequestLike {
  const raw = c.req.raw
  const socket = nodeSocket(c.env)
  let certificate: ClientCertificate | undefined
  let certificateRead = false
  let thumbprint: string | undefined
  let thumbprintRead = false
  return {
    method: raw.method,
    url: raw.url,
    headers: raw.headers,
    peerAddress: getPeerAddress(c),
    get clientCertificate() {
      if (!certificateRead && socket !== undefined) certificate = readNodeCertificate(socket)
      certificateRead = true
      return certificate
    },
    get clientCertificateThumbprint() {
      if (!thumbprintRead && socket === undefined) thumbprint = cloudflareCertificateThumbprint(raw)
      thumbprintRead = true
      return thumbprint
    },
  }
}
