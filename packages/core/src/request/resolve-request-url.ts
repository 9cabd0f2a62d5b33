import { GuardError } from '../errors/guard-error.js'
import { countTrustedHops, outermostTrustedElement, readForwardedPairs, type ForwardedFamily } from './forwarded-elements.js'
import { parseIP, type AddressMatcher } from './proxy-trust.js'
import { readHeaderValues } from './read-headers.js'
import type { RequestLike } from '../types.js'

/** How the URL the client addressed is found. Fixed at `createGuard`. */
export interface RequestURLRules {
  /** Peers whose forwarded headers are believed. */
  readonly trusted: AddressMatcher
  /** A fixed public base URL (origin and optional path prefix) that replaces the request's origin. */
  readonly publicUrl: URL | undefined
  /** The header family trusted proxies write the scheme and host in; the other family is never read. */
  readonly forwarded: ForwardedFamily
}

/**
 * RFC 3986 §3.2.2 reg-name: unreserved, pct-encoded, sub-delims; never empty. Less the comma: `Host` is
 * a singleton field (RFC 9110 §7.2), and a comma in it is two fields joined.
 */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+;=]|%[0-9A-Fa-f]{2})+$/
/** A port: 1–5 digits, up to 65535. */
function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535
}

/**
 * Whether `text` is an RFC 3986 `uri-host [ ":" port ]` fit for an http(s) URL (RFC 9112 §3.2,
 * RFC 9110 §4.2.1): an IPv6 literal in brackets (no zone, no IPvFuture), or a non-empty reg-name
 * (which covers IPv4), and a port of 1–5 digits up to 65535. No userinfo, path, query, fragment,
 * backslash, space or control character can pass, so a host built into a URL never moves its path.
 */
export function isValidAuthority(text: string): boolean {
  let host = text
  let port: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close === -1) return false
    host = text.slice(0, close + 1)
    const rest = text.slice(close + 1)
    if (rest !== '') {
      if (!rest.startsWith(':')) return false
      port = rest.slice(1)
    }
    if (!/^\[[0-9A-Fa-f:.]+\]$/.test(host) || parseIP(host) === undefined) return false
  } else {
    const colon = text.lastIndexOf(':')
    if (colon !== -1) {
      host = text.slice(0, colon)
      port = text.slice(colon + 1)
    }
    if (!REG_NAME.test(host)) return false
  }
  return port === undefined || isPort(port)
}

/**
 * Why the `Host` field lines of a request make it a bad request (RFC 9112 §3.2: "a server MUST respond
 * with a 400 … to any request message that … contains more than one Host header field line or a Host
 * header field with an invalid field value"), or `undefined` when there is none or one valid one.
 */
export function hostDefect(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined
  if (values.length > 1 || values[0]?.includes(',')) return 'the request has more than one Host header'
  return isValidAuthority((values[0] as string).trim()) ? undefined : 'the Host header is not a valid host[:port]'
}

/** The parts of an absolute http(s) URL as written (not yet normalized by a URL parser). */
interface URLParts {
  readonly scheme: 'http' | 'https'
  readonly authority: string
  /** The path as written: empty or starting with `/`. */
  readonly path: string
  /** `?` and the query, or empty. */
  readonly search: string
}

const ABSOLUTE_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#[\s\S]*)?$/
/** Characters no path or query of a request may hold as such: controls, space, backslash. */
const FORBIDDEN = /[\u0000-\u0020\u007F\\]/

function invalid(description: string): GuardError {
  return new GuardError('ERR_REQUEST_INVALID', description)
}

/**
 * A path segment that is `.` or `..`, spelled out or percent-encoded (`%2e`, any case), which URL
 * parsers remove: one or two of `.`/`%2e` between two slashes or a slash and the end. One test on the
 * path, with no array or string made per request.
 */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?=\/|$)/i

/**
 * Splits and checks the URL a request says it was addressed at, as written: an absolute http(s) URL
 * with a valid authority and no userinfo or fragment; a path without dot segments (`/a/../b`,
 * `/a/%2e%2e/b`) or backslashes, since URL parsers resolve those and a router may not — a proof for
 * `/b` must not pass at a route that matched `/a/…`. Anything else is a bad request (400).
 */
export function readRequestURLParts(url: string): URLParts {
  const match = ABSOLUTE_URL.exec(url)
  if (match === null) throw invalid('the request URL is not absolute')
  const [, schemeText, authority, path, search, fragment] = match as unknown as [string, string, string, string, string | undefined, string | undefined]
  const scheme = schemeText.toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') throw invalid('the request URL is not http or https')
  if (authority.includes('@')) throw invalid('the request URL has userinfo')
  if (!isValidAuthority(authority)) throw invalid('the request URL has no valid host[:port]')
  if (fragment !== undefined) throw invalid('the request URL has a fragment')
  if (FORBIDDEN.test(path) || (search !== undefined && FORBIDDEN.test(search))) {
    throw invalid('the request URL has a space, a control character or a backslash')
  }
  if (DOT_SEGMENT.test(path)) throw invalid('the request path has dot segments ("." or "..")')
  return { scheme, authority, path, search: search ?? '' }
}

/** A path prefix a proxy strips (`X-Forwarded-Prefix`, `proxy.publicUrl`'s path): absolute, no query, no dot segments. */
const PREFIX = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/

/** What the outermost trusted proxy says the client addressed; each part only when it says it. */
interface Forwarded {
  readonly proto?: string | undefined
  readonly host?: string | undefined
  readonly port?: string | undefined
  readonly prefix?: string | undefined
}

function readForwarded(request: RequestLike, rules: RequestURLRules): Forwarded {
  const hops = countTrustedHops(request, rules.trusted, rules.forwarded)
  const element = (name: string) => {
    const value = outermostTrustedElement(request, name, hops, name === 'forwarded')
    if (value === null) throw invalid(`the forwarded "${name}" header is malformed`)
    return value === undefined || value === '' ? undefined : value
  }
  if (rules.forwarded === 'forwarded') {
    const pairs = readForwardedPairs(element('forwarded') ?? '')
    if (pairs === undefined) throw invalid('the forwarded "forwarded" header is malformed')
    return { proto: pairs.get('proto'), host: pairs.get('host') }
  }
  return { proto: element('x-forwarded-proto'), host: element('x-forwarded-host'), port: element('x-forwarded-port'), prefix: element('x-forwarded-prefix') }
}

/**
 * The URL the client addressed, for DPoP `htu` (RFC 9449 §4.3 check 9), built only from validated
 * parts. The request's own URL must pass `readRequestURLParts`. `proxy.publicUrl` then wins; else,
 * when the peer is a trusted proxy, what the outermost trusted proxy wrote (`forwarded-elements.ts`)
 * in the configured family — `X-Forwarded-Proto/Host/Port/Prefix`, or RFC 7239 `Forwarded` — each
 * value checked (scheme http(s), a valid host[:port], a port, an absolute prefix): a trusted proxy
 * that forwards something else is a bad request (400), never a URL the client could steer.
 */
export function resolveRequestURL(request: RequestLike, rules: RequestURLRules): string {
  const own = readRequestURLParts(request.url)
  if (rules.publicUrl !== undefined) {
    const prefix = rules.publicUrl.pathname.replace(/\/$/, '')
    return `${rules.publicUrl.origin}${prefix}${own.path}${own.search}`
  }
  if (!rules.trusted(request.peerAddress)) return request.url
  const forwarded = readForwarded(request, rules)
  const proto = forwarded.proto?.toLowerCase()
  if (proto !== undefined && proto !== 'http' && proto !== 'https') throw invalid('the forwarded scheme is not http or https')
  if (forwarded.host !== undefined && !isValidAuthority(forwarded.host)) throw invalid('the forwarded host is not a valid host[:port]')
  if (forwarded.port !== undefined && !isPort(forwarded.port)) {
    throw invalid('the forwarded port is not a port number')
  }
  if (forwarded.prefix !== undefined && !(PREFIX.test(forwarded.prefix) && !DOT_SEGMENT.test(forwarded.prefix))) {
    throw invalid('the forwarded path prefix is not an absolute path')
  }
  let host = forwarded.host ?? own.authority
  if (forwarded.port !== undefined) host = `${host.replace(/:\d*$/, '')}:${forwarded.port}`
  const path = forwarded.prefix === undefined ? own.path : `${forwarded.prefix.replace(/\/$/, '')}${own.path}`
  return `${proto ?? own.scheme}://${host}${path}${own.search}`
}

const FORWARDED_FAMILIES: Readonly<Record<ForwardedFamily, readonly string[]>> = {
  'x-forwarded': ['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-prefix'],
  forwarded: ['forwarded'],
}

/**
 * For operators: how `resolveRequestURL` came to its URL — `proxy.publicUrl`, a trusted proxy's
 * headers, or the request's own URL — and which forwarded headers it ignored and why (a peer not in
 * `proxy.trusted`, or the other header family). A TLS-terminating proxy that is not trusted, or that
 * forwards no scheme, is the usual reason a proof's `htu` does not match.
 */
export function explainRequestURL(request: RequestLike, rules: RequestURLRules): string {
  if (rules.publicUrl !== undefined) return 'from proxy.publicUrl'
  const present = (family: ForwardedFamily) => FORWARDED_FAMILIES[family].filter((name) => readHeaderValues(request.headers, name).length > 0)
  const other: ForwardedFamily = rules.forwarded === 'forwarded' ? 'x-forwarded' : 'forwarded'
  const peer = request.peerAddress === undefined ? 'an unknown peer' : `peer ${request.peerAddress}`
  if (!rules.trusted(request.peerAddress)) {
    const sent = [...present(rules.forwarded), ...present(other)]
    return sent.length === 0
      ? `from the request itself (${peer} is not in proxy.trusted)`
      : `from the request itself: ${sent.join(', ')} came from ${peer}, which is not in proxy.trusted, and were ignored`
  }
  const used = present(rules.forwarded)
  const ignored = present(other)
  const how = used.length === 0 ? `from the request itself (trusted ${peer} forwarded no ${rules.forwarded} headers)` : `from ${used.join(', ')} of trusted ${peer}`
  return ignored.length === 0 ? how : `${how}; ${ignored.join(', ')} ignored (proxy.forwardedHeaders is "${rules.forwarded}")`
}
