import { importJWK, type JWK } from 'jose'
import { encodeBase64url, utf8Encode } from '../lib/encoding.js'

/**
 * The cryptography the guard needs, behind one small interface so that Node can use `node:crypto`
 * (several times cheaper per signature) and other runtimes Web Crypto, with the same results.
 */
export interface CryptoBackend {
  /** Imports a public JWK for one algorithm, once; the result is handed back to `verify`. Throws if unusable. */
  importKey(jwk: JWK, alg: string): Promise<unknown>
  /** Verifies a JWS signature over `data` (RFC 7515 §5.2, RFC 7518 §3). Never throws for a bad signature. */
  verify(alg: string, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean> | boolean
  /**
   * SHA-256 of `data` (a string is hashed as UTF-8), as unpadded base64url: every hash the guard
   * takes (thumbprints, `ath`, cache and replay keys) is compared or stored in that form.
   */
  sha256Base64url(data: string | Uint8Array): Promise<string> | string
  /** HMAC-SHA-256 of `data` under `secret` (the same `secret` object is passed every time). */
  hmacSha256(secret: Uint8Array, data: Uint8Array): Promise<Uint8Array> | Uint8Array
}

const hmacKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>()

function hashBits(alg: string): number {
  return Number(alg.slice(-3))
}

const CURVE_BITS: Record<string, number> = { ES256: 256, ES384: 384, ES512: 521 }

function subtleParams(alg: string): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  switch (alg.slice(0, 2)) {
    case 'RS':
      return { name: 'RSASSA-PKCS1-v1_5' }
    case 'PS':
      return { name: 'RSA-PSS', saltLength: hashBits(alg) / 8 }
    case 'ES':
      return { name: 'ECDSA', hash: `SHA-${hashBits(alg)}` }
    default:
      return { name: 'Ed25519' }
  }
}

/**
 * The one length a JWS signature may have: r‖s for ECDSA (RFC 7518 §3.4), 64 octets for Ed25519
 * (RFC 8032 §5.1.6), and the modulus length for RSA (RFC 8017 §8.1.2, §8.2.2 step 1: "if the length
 * of the signature is not k octets, output 'invalid signature'"). OpenSSL left-pads a short RSA
 * signature, so without this check one signature starting with a zero octet has a second, shorter
 * spelling that also verifies. `undefined` for RSA when the modulus length is unknown.
 */
export function expectedSignatureLength(alg: string, modulusBits?: number): number | undefined {
  const bits = CURVE_BITS[alg]
  if (bits !== undefined) return Math.ceil(bits / 8) * 2
  if (alg === 'EdDSA' || alg === 'Ed25519') return 64
  return modulusBits === undefined ? undefined : Math.ceil(modulusBits / 8)
}

/** Web Crypto backend: runs wherever `crypto.subtle` does (Workers, Deno, Bun, browsers, Node). */
export const webCryptoBackend: CryptoBackend = {
  async importKey(jwk, alg) {
    // Usability (`use`, `key_ops`, `alg`) was decided when the key set was read (select-key.ts); only the
    // key material is imported, as node:crypto does, so that `key_ops: ["sign", "verify"]` on a public
    // key gives the same answer on both backends.
    const { key_ops: _keyOps, use: _use, alg: _alg, ...material } = jwk
    return importJWK({ ...material, ext: false }, alg)
  },
  async verify(alg, key, signature, data) {
    const length = expectedSignatureLength(alg, ((key as CryptoKey).algorithm as Partial<RsaHashedKeyAlgorithm>).modulusLength)
    if (length !== undefined && signature.length !== length) return false
    try {
      return await crypto.subtle.verify(subtleParams(alg), key as CryptoKey, signature as BufferSource, data as BufferSource)
    } catch {
      return false
    }
  },
  async sha256Base64url(data) {
    const bytes = typeof data === 'string' ? utf8Encode(data) : data
    return encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)))
  },
  async hmacSha256(secret, data) {
    let key = hmacKeys.get(secret)
    if (key === undefined) {
      key = crypto.subtle.importKey('raw', secret as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      hmacKeys.set(secret, key)
    }
    return new Uint8Array(await crypto.subtle.sign('HMAC', await key, data as BufferSource))
  },
}
