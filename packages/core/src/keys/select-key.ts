import type { JWK } from 'jose'
import { isPlainObject } from '../lib/encoding.js'
import { checkPublicKeyStrength, PRIVATE_JWK_MEMBERS } from './check-key-strength.js'

/** A public key of an issuer's key set, with what selection needs precomputed. */
export interface KeyEntry {
  readonly jwk: JWK
  readonly kid: string | undefined
  /** Why the key must not verify anything (`checkPublicKeyStrength`), or `undefined` when it may. */
  readonly weakness: string | undefined
  /** Imported keys by algorithm, filled on first use. */
  readonly imported: Map<string, Promise<unknown>>
}

const CURVE_OF: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521', EdDSA: 'Ed25519', Ed25519: 'Ed25519' }

/** `EdDSA` (polymorphic) and `Ed25519` (RFC 9864) name the same thing for an Ed25519 key. */
function sameAlgorithm(keyAlg: string, alg: string): boolean {
  return keyAlg === alg || (keyAlg === 'EdDSA' && alg === 'Ed25519') || (keyAlg === 'Ed25519' && alg === 'EdDSA')
}

/**
 * Turns a key-set document into usable entries. Entries that are not public signature keys of a kind
 * we verify (private or secret members, `oct`, `use` other than `sig`) are left out, as jose does;
 * weak keys are kept, with the reason, so that a token naming one is refused as such.
 */
export function readKeySet(document: unknown): KeyEntry[] {
  if (!isPlainObject(document) || !Array.isArray(document.keys)) throw new TypeError('not a JSON Web Key Set')
  const entries: KeyEntry[] = []
  for (const jwk of document.keys as unknown[]) {
    if (!isPlainObject(jwk) || typeof jwk.kty !== 'string') continue
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') continue
    if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) continue
    if (jwk.use !== undefined && jwk.use !== 'sig') continue
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) continue
    if (jwk.kid !== undefined && typeof jwk.kid !== 'string') continue
    entries.push({
      jwk: jwk as JWK,
      kid: jwk.kid as string | undefined,
      weakness: checkPublicKeyStrength(jwk),
      imported: new Map(),
    })
  }
  return entries
}

/** Whether a key may verify `alg` (RFC 8725 §3.1: one key, one algorithm family; FAPI 2.0 §5.4.3). */
export function fitsAlgorithm(entry: KeyEntry, alg: string): boolean {
  const { jwk } = entry
  if (jwk.alg !== undefined && !sameAlgorithm(jwk.alg, alg)) return false
  switch (alg.slice(0, 2)) {
    case 'RS':
    case 'PS':
      return jwk.kty === 'RSA'
    case 'ES':
      return jwk.kty === 'EC' && jwk.crv === CURVE_OF[alg]
    default:
      return (alg === 'EdDSA' || alg === 'Ed25519') && jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
  }
}

/** Keys that fit the token's `kid` (when it has one) and `alg`. */
export function candidateKeys(entries: readonly KeyEntry[], kid: string | undefined, alg: string): KeyEntry[] {
  return entries.filter((entry) => (kid === undefined || entry.kid === kid) && fitsAlgorithm(entry, alg))
}
