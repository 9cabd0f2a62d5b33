import { constants, createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import { expectedSignatureLength, type CryptoBackend } from '../keys/crypto-backend.js'

type NodeVerifyKey = KeyObject | { key: KeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' }

function digestOf(alg: string): string | null {
  return alg === 'EdDSA' || alg === 'Ed25519' ? null : `sha${alg.slice(-3)}`
}

/** `node:crypto` backend: a `KeyObject` imported once per key and algorithm, verified without Web Crypto's overhead. */
export const nodeCryptoBackend: CryptoBackend = {
  async importKey(jwk: JWK, alg: string) {
    const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    switch (alg.slice(0, 2)) {
      case 'PS':
        return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 } satisfies NodeVerifyKey
      case 'ES':
        return { key, dsaEncoding: 'ieee-p1363' } satisfies NodeVerifyKey
      default:
        return key
    }
  },
  verify(alg, key, signature, data) {
    const length = expectedSignatureLength(alg)
    if (length !== undefined && signature.length !== length) return false
    try {
      return verify(digestOf(alg), data, key as NodeVerifyKey, signature)
    } catch {
      return false
    }
  },
  sha256(data) {
    return createHash('sha256').update(data).digest()
  },
  hmacSha256(secret, data) {
    return createHmac('sha256', secret).update(data).digest()
  },
}
