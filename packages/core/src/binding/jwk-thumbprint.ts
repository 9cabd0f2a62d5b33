import type { JWK } from 'jose'
import type { CryptoBackend } from '../keys/crypto-backend.js'

const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
}

/**
 * RFC 7638 SHA-256 thumbprint: the required members only, in lexicographic order, no whitespace,
 * hashed and base64url-encoded without padding. `undefined` when a required member is missing or not
 * a string. (Same result as jose's `calculateJwkThumbprint`, through the backend's SHA-256: on Node one
 * synchronous `crypto.hash` call instead of Web Crypto's asynchronous digest.)
 */
export async function jwkThumbprint(jwk: JWK, backend: CryptoBackend): Promise<string | undefined> {
  // Own members only: a `kty` of "__proto__" or "toString" must not reach Object.prototype.
  const kty = jwk.kty
  if (typeof kty !== 'string' || !Object.hasOwn(REQUIRED_MEMBERS, kty)) return undefined
  const members = REQUIRED_MEMBERS[kty] as readonly string[]
  const canonical: Record<string, string> = {}
  for (const member of members) {
    const value = (jwk as Record<string, unknown>)[member]
    if (typeof value !== 'string' || value.length === 0) return undefined
    canonical[member] = value
  }
  return backend.sha256Base64url(JSON.stringify(canonical))
}
