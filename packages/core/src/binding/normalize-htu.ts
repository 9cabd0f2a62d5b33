import { parseURL } from '../lib/url.js'

const UNRESERVED = /[A-Za-z0-9\-._~]/
const PERCENT_ENCODED = /%([0-9A-Fa-f]{2})/g

function normalizePercentEncoding(path: string): string {
  return path.replace(PERCENT_ENCODED, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

/**
 * The form of an HTTP URI that `htu` and the request URL are compared in (RFC 9449 §4.3 check 9):
 * query and fragment dropped; scheme and host lowercased, default port removed, empty path made `/`,
 * dot segments removed (RFC 3986 §6.2.2.1, §6.2.2.3, §6.2.3, as WHATWG URL does); percent-encoded
 * unreserved characters decoded and other escapes uppercased (§6.2.2.1–6.2.2.2, which WHATWG URL does
 * not do). `undefined` for anything that is not an absolute http(s) URI without userinfo.
 */
export function normalizeHtu(value: string): string | undefined {
  // Two WHATWG parses per DPoP request, of the few URLs an API has: remembered (a pure function).
  // Not a URL with a query or fragment: those vary per request, and may carry what should not linger
  // in memory (cutting them off first is no shortcut: `https://a ?x` has no normal form, `https://a ` has).
  const plain = !value.includes('?') && !value.includes('#')
  const known = plain ? remembered.get(value) : undefined
  if (known !== undefined) return known === NOT_HTTP ? undefined : known
  const normalized = normalize(value)
  if (plain && value.length <= REMEMBER_MAX_LENGTH) {
    if (remembered.size >= REMEMBER_MAX_ENTRIES) remembered.clear()
    remembered.set(value, normalized ?? NOT_HTTP)
  }
  return normalized
}

/** Normalized forms of recent values; cleared when full, so a flood of distinct URLs costs nothing lasting. */
const remembered = new Map<string, string>()
const REMEMBER_MAX_ENTRIES = 1024
const REMEMBER_MAX_LENGTH = 2048
/** Stands for `undefined` in `remembered` (no normalized form starts with a space). */
const NOT_HTTP = ' '

function normalize(value: string): string | undefined {
  const url = parseURL(value)
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined
  const path = normalizePercentEncoding(url.pathname)
  if (path === url.pathname) return `${url.origin}${path}`
  // Decoding may reveal dot segments (`%2E%2E`), which WHATWG URL already treats as such; reparse to
  // settle them — as a whole URL: `new URL(path, origin)` would read a path starting with `//` as a
  // network-path reference and take its first segment for a host (`//admin/x` → `/x`).
  const reparsed = parseURL(`${url.origin}${path}`)
  return reparsed === undefined || reparsed.origin !== url.origin ? undefined : `${url.origin}${reparsed.pathname}`
}

