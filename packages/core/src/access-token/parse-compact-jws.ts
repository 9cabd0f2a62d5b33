import { GuardError } from '../errors/guard-error.js'
import { asciiEncode, decodeBase64url, decodeJSONObject } from '../lib/encoding.js'

/** A compact JWS split and decoded; nothing about it is trusted yet. */
export interface CompactJWS {
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
  /** ASCII bytes of `header.payload`, the JWS signing input (RFC 7515 §5.2). */
  readonly signingInput: Uint8Array
  readonly signature: Uint8Array
}

/** A compact JWS without its header decoded (the caller knows the header by its segment). */
export type CompactJWSBody = Omit<CompactJWS, 'header'>

/** How many `.`-separated segments a token has, counting no further than six. */
export function countSegments(token: string): number {
  let segments = 1
  for (let at = token.indexOf('.'); at !== -1 && segments < 6; at = token.indexOf('.', at + 1)) segments++
  return segments
}

/**
 * Splits a compact JWS (RFC 7515 §7.1) and decodes header and payload strictly: base64url without
 * padding, UTF-8 (RFC 8725 §3.7), each a JSON object. The JSON serialization and JWE are not JWS here.
 */
export function parseCompactJWS(token: string): CompactJWS {
  const [first, second] = splitCompactJWS(token)
  const header = decodeJSONObject(token.slice(0, first))
  if (header === undefined) throw new GuardError('ERR_TOKEN_MALFORMED', 'the JWS header is not a base64url JSON object')
  return { header, ...decodeBody(token, first, second) }
}

/**
 * `parseCompactJWS` without decoding the header: for a caller that checked this header segment before
 * (the text before the first `.`) and remembers what it decided. The token must still be three
 * segments, and payload and signature are read as strictly.
 */
export function parseCompactJWSBody(token: string): CompactJWSBody {
  const [first, second] = splitCompactJWS(token)
  return decodeBody(token, first, second)
}

/** The positions of the two dots of a three-segment token with a non-empty header. */
function splitCompactJWS(token: string): [number, number] {
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  if (first <= 0 || second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw new GuardError('ERR_TOKEN_MALFORMED', 'the access token is not a compact JWS')
  }
  return [first, second]
}

function decodeBody(token: string, first: number, second: number): CompactJWSBody {
  const payload = decodeJSONObject(token.slice(first + 1, second))
  if (payload === undefined) throw new GuardError('ERR_TOKEN_MALFORMED', 'the JWT claims are not a base64url UTF-8 JSON object')
  const signature = decodeBase64url(token.slice(second + 1))
  if (signature === undefined || signature.length === 0) {
    throw new GuardError('ERR_TOKEN_MALFORMED', 'the JWS signature is missing or not base64url')
  }
  // Both segments decoded as base64url, so `header.payload` is ASCII.
  return { payload, signingInput: asciiEncode(token.slice(0, second)), signature }
}
