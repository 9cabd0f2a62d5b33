import { GuardError } from '../errors/guard-error.js'
import { parseURL } from '../lib/url.js'
import { readHeaderValues } from './read-headers.js'
import type { AddressMatcher } from './proxy-trust.js'
import type { RequestLike } from '../types.js'

/** How the URL the client addressed is found. Fixed at `createGuard`. */
export interface RequestURLRules {
  /** Peers whose forwarded headers are believed. */
  readonly trusted: AddressMatcher
  /** A fixed public base URL (origin and optional path prefix) that replaces the request's origin. */
  readonly publicUrl: URL | undefined
}

function firstValue(request: RequestLike, name: string): string | undefined {
  const value = readHeaderValues(request.headers, name)[0]
  const first = value?.split(',')[0]?.trim()
  return first === undefined || first === '' ? undefined : first
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value
}

/** `proto` and `host` of the first element of RFC 7239 `Forwarded`. */
function readForwarded(request: RequestLike): { proto?: string; host?: string } {
  const element = firstValue(request, 'forwarded')
  const result: { proto?: string; host?: string } = {}
  if (element === undefined) return result
  for (const pair of element.split(';')) {
    const at = pair.indexOf('=')
    if (at === -1) continue
    const name = pair.slice(0, at).trim().toLowerCase()
    const value = unquote(pair.slice(at + 1).trim())
    if (name === 'proto') result.proto = value.toLowerCase()
    else if (name === 'host') result.host = value
  }
  return result
}

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/
const PREFIX = /^\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*$/

/**
 * The URL the client addressed, for DPoP `htu` (RFC 9449 §4.3 check 9). `proxy.publicUrl` wins; then,
 * only when the peer is a trusted proxy, RFC 7239 `Forwarded` or `X-Forwarded-Proto/Host/Port/Prefix`;
 * otherwise the request's own URL. Forwarded headers from any other peer are ignored.
 */
export function resolveRequestURL(request: RequestLike, rules: RequestURLRules): string {
  const own = parseURL(request.url)
  // Adapters must give the absolute URL; anything else is refused as a bad request, never an unexpected error.
  if (own === undefined) throw new GuardError('ERR_REQUEST_INVALID', 'the request URL is not absolute')
  if (rules.publicUrl !== undefined) {
    const prefix = rules.publicUrl.pathname.replace(/\/$/, '')
    return `${rules.publicUrl.origin}${prefix}${own.pathname}${own.search}`
  }
  if (!rules.trusted(request.peerAddress)) return request.url
  const forwarded = readForwarded(request)
  const proto = forwarded.proto ?? firstValue(request, 'x-forwarded-proto')?.toLowerCase()
  let host = forwarded.host ?? firstValue(request, 'x-forwarded-host')
  const port = firstValue(request, 'x-forwarded-port')
  const prefix = firstValue(request, 'x-forwarded-prefix')
  const scheme = proto === 'http' || proto === 'https' ? proto : own.protocol.slice(0, -1)
  if (host === undefined || !HOST.test(host)) host = own.host
  if (port !== undefined && /^\d{1,5}$/.test(port) && forwarded.host === undefined) host = `${host.replace(/:\d+$/, '')}:${port}`
  const path = prefix !== undefined && PREFIX.test(prefix) ? `${prefix.replace(/\/$/, '')}${own.pathname}` : own.pathname
  return `${scheme}://${host}${path}${own.search}`
}
