import { parseIP, type AddressMatcher } from './proxy-trust.js'
import { readHeaderValues } from './read-headers.js'
import type { RequestLike } from '../types.js'

/**
 * The one rule for everything a proxy adds to a request (RFC 7239 §4: each proxy appends):
 * list-valued headers — `Forwarded`, `X-Forwarded-For/Proto/Host/Port/Prefix`, Envoy's
 * `x-forwarded-client-cert` — are read as one list of elements, all field lines in order, split at
 * commas (outside quoted strings, for the two formats that have them). Walking from the connection's
 * peer outward, the peer and every further hop whose address is in `proxy.trusted` count as trusted
 * proxies; the element that counts is the one the outermost of them wrote: with `hops` trusted
 * proxies and `n` elements, element `n - hops` (the first one when a trusted proxy overwrote the list
 * instead of appending). Elements before it could have been written by the client and are never read.
 *
 * A field line that leaves a quoted string open is malformed (`undefined`): a client that ends its own
 * header inside a quote would otherwise swallow the elements the proxies append after it.
 */
export function splitElements(values: readonly string[], quoting: boolean): string[] | undefined {
  const elements: string[] = []
  for (const value of values) {
    if (!quoting) {
      for (const element of value.split(',')) elements.push(element.trim())
      continue
    }
    let current = ''
    let quoted = false
    for (let i = 0; i < value.length; i++) {
      const char = value[i] as string
      if (char === '\\' && quoted && i + 1 < value.length) {
        current += char + (value[++i] as string)
      } else if (char === '"') {
        quoted = !quoted
        current += char
      } else if (char === ',' && !quoted) {
        elements.push(current.trim())
        current = ''
      } else {
        current += char
      }
    }
    if (quoted) return undefined
    elements.push(current.trim())
  }
  return elements
}

/** Which header family a trusted proxy writes the request's scheme and host in. */
/** Most proxies (nginx, AWS ALB, Envoy, Traefik, HAProxy's `forwardfor`) write `X-Forwarded-*` (`proxy.forwardedHeaders`). */
export const DEFAULT_FORWARDED_HEADERS = 'x-forwarded'

export type ForwardedFamily = 'x-forwarded' | 'forwarded'

/**
 * The `name=value` pairs of one element (`;`-separated, as RFC 7239 `Forwarded` and Envoy's XFCC write
 * them), names lower-cased, quoted values unquoted; `undefined` when a name that `once` says may
 * occur once occurs twice, since which occurrence a proxy wrote cannot be told. Otherwise the first
 * occurrence counts.
 */
export function readElementPairs(element: string, once: (name: string) => boolean): Map<string, string> | undefined {
  const pairs = new Map<string, string>()
  for (const pair of element.match(/(?:[^;"]+|"(?:[^"\\]|\\.)*")+/g) ?? []) {
    const at = pair.indexOf('=')
    if (at === -1) continue
    const name = pair.slice(0, at).trim().toLowerCase()
    let value = pair.slice(at + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1')
    if (pairs.has(name)) {
      if (once(name)) return undefined
      continue
    }
    pairs.set(name, value)
  }
  return pairs
}

/** The pairs of one RFC 7239 element: "each parameter MUST NOT occur more than once per forwarded-element" (§4). */
export function readForwardedPairs(element: string): Map<string, string> | undefined {
  return readElementPairs(element, () => true)
}

/** The address in a `for=` node or an `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80`, `::1`. */
function nodeAddress(node: string): string | undefined {
  const bracketed = /^(\[[^\]]+\])(?::\d+)?$/.exec(node)
  if (bracketed !== null) return bracketed[1]
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(node)
  if (v4 !== null) return v4[1]
  return parseIP(node) === undefined ? undefined : node
}

/**
 * How many trusted proxies the request passed, counted from the connection's peer outward: 0 when the
 * peer is not trusted, else 1 plus every further trusted address at the end of the hop list (`for=` of
 * `Forwarded`, or `X-Forwarded-For`, as the family says), up to the first one that is not trusted.
 */
export function countTrustedHops(request: RequestLike, trusted: AddressMatcher, family: ForwardedFamily): number {
  if (!trusted(request.peerAddress)) return 0
  // A malformed list counts no hop beyond the peer: the element then read is one the peer wrote.
  const chain =
    family === 'forwarded'
      ? (splitElements(readHeaderValues(request.headers, 'forwarded'), true) ?? []).map((element) => readForwardedPairs(element)?.get('for') ?? '')
      : (splitElements(readHeaderValues(request.headers, 'x-forwarded-for'), false) ?? [])
  let hops = 1
  // The last entry is the peer's own client; each trusted one wrote the entry before it.
  for (let i = chain.length - 1; i > 0; i--) {
    const address = nodeAddress(chain[i] as string)
    if (address === undefined || !trusted(address)) break
    hops++
  }
  return hops
}

/**
 * The element of a list-valued header that the outermost trusted proxy wrote (see `splitElements`;
 * `quoting` for the formats with quoted strings, RFC 7239 `Forwarded` and Envoy's XFCC); `undefined`
 * when the header is absent or `hops` is 0 (the peer is not trusted); `null` when the header is
 * malformed (a quoted string left open).
 */
export function outermostTrustedElement(request: RequestLike, name: string, hops: number, quoting: boolean): string | undefined | null {
  if (hops === 0) return undefined
  const elements = splitElements(readHeaderValues(request.headers, name), quoting)
  if (elements === undefined) return null
  if (elements.length === 0) return undefined
  return elements[Math.max(elements.length - hops, 0)]
}
