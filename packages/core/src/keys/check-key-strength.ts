import { decodeBase64url } from '../lib/encoding.js'

/** Smallest RSA modulus accepted (FAPI 2.0 §5.4.1, RFC 8725 §3.5). */
export const MIN_RSA_BITS = 2048

/**
 * Largest RSA modulus accepted. A DPoP proof key is the client's choice, and verifying with a 16384-bit
 * modulus costs some 30 times a 2048-bit one: an unbounded modulus lets any client make every request
 * expensive. No issuer or client key in use is larger.
 */
export const MAX_RSA_BITS = 8192

/** Smallest RSA public exponent accepted: 2^16 + 1 (FIPS 186-5 §A.1.1, NIST SP 800-56B Rev. 2 §6.2.1: e > 2^16). */
export const MIN_RSA_EXPONENT = 65537

/**
 * Largest RSA public exponent accepted: 2^32 + 1 (the Fermat number after 65537). FIPS 186-5 allows
 * up to 2^256, but a DPoP proof key is the client's choice and a 256-bit exponent costs each
 * verification some 15 times the squarings of 65537; BoringSSL refuses exponents over 33 bits, so no
 * key usable across the ecosystem lies above this bound.
 */
export const MAX_RSA_EXPONENT = 2 ** 32 + 1

/** Length in bits of a big-endian unsigned integer (leading zero octets ignored); 0 for zero or nothing. */
export function bitLength(bytes: Uint8Array): number {
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] as number))
}

/** A NIST prime curve y² = x³ − 3x + b over GF(p) (SEC 2 §2.4, FIPS 186-5 / SP 800-186 §3.2.1). */
interface PrimeCurve {
  readonly p: bigint
  readonly b: bigint
  /** Octets of a coordinate: RFC 7518 §6.2.1.2 wants exactly this many. */
  readonly size: number
}

const PRIME_CURVES: Readonly<Record<string, PrimeCurve>> = {
  'P-256': {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    size: 32,
  },
  'P-384': {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    size: 48,
  },
  'P-521': {
    p: 2n ** 521n - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    size: 66,
  },
}

function toBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0'
  for (const byte of bytes) hex += (byte < 16 ? '0' : '') + byte.toString(16)
  return BigInt(hex)
}

/**
 * The y-coordinates (sign bit cleared, little-endian) of the eight points of order 1, 2, 4 and 8 of
 * edwards25519: y = 1 (the identity), y = p − 1 (order 2), y = 0 (the two points of order 4) and
 * the two y of the four points of order 8. The same table as libsodium's `ge25519_has_small_order`
 * (which adds y = p and y = p + 1, refused here as non-canonical); recomputed as [L]·P for points P
 * of the curve, L its prime subgroup order (RFC 8032 §5.1). For such a key A, [k]·A is one of at most
 * eight points whatever the hash k, so R = −[k]·A, S = 0 verifies for about one message in eight
 * (every message, for the identity) without any private key.
 */
const ED25519_SMALL_ORDER_Y: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexBytes)

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/** Whether the 32-octet little-endian y (sign bit cleared) is ≥ p = 2^255 − 19: a second spelling of y − p (RFC 8032 §5.1.3 step 1). */
function nonCanonicalY(y: Uint8Array): boolean {
  if (y[31] !== 0x7f || (y[0] as number) < 0xed) return false
  for (let i = 1; i < 31; i++) if (y[i] !== 0xff) return false
  return true
}

function checkEd25519(x: unknown): string | undefined {
  const bytes = typeof x === 'string' ? decodeBase64url(x) : undefined
  if (bytes === undefined || bytes.length !== 32) return 'the Ed25519 "x" is not 32 octets'
  const y = Uint8Array.from(bytes)
  y[31] = (y[31] as number) & 0x7f
  if (nonCanonicalY(y)) return 'the Ed25519 key is not canonically encoded (y ≥ 2^255 − 19)'
  if (ED25519_SMALL_ORDER_Y.some((small) => small.every((byte, i) => byte === y[i]))) return 'the Ed25519 key is a small-order point'
  return undefined
}

function checkEC(crv: unknown, x: unknown, y: unknown): string | undefined {
  if (typeof crv !== 'string' || !Object.hasOwn(PRIME_CURVES, crv)) return undefined
  const curve = PRIME_CURVES[crv] as PrimeCurve
  const xBytes = typeof x === 'string' ? decodeBase64url(x) : undefined
  const yBytes = typeof y === 'string' ? decodeBase64url(y) : undefined
  if (xBytes?.length !== curve.size || yBytes?.length !== curve.size) return `the ${crv} "x" or "y" is not ${curve.size} octets`
  const { p, b } = curve
  const X = toBigInt(xBytes)
  const Y = toBigInt(yBytes)
  // Coordinates are field elements (< p); then y² = x³ − 3x + b (mod p). The curves have cofactor 1,
  // so every such point but the point at infinity (which has no affine x, y) generates the whole group.
  if (X >= p || Y >= p || (Y * Y - ((X * X - 3n) * X + b)) % p !== 0n) return `the EC key is not a point on ${crv}`
  return undefined
}

function checkRSA(n: unknown, e: unknown): string | undefined {
  const modulus = typeof n === 'string' ? decodeBase64url(n) : undefined
  if (modulus === undefined || bitLength(modulus) < MIN_RSA_BITS) return `the RSA key is shorter than ${MIN_RSA_BITS} bits`
  if (bitLength(modulus) > MAX_RSA_BITS) return `the RSA key is longer than ${MAX_RSA_BITS} bits`
  if (((modulus[modulus.length - 1] as number) & 1) === 0) return 'the RSA modulus is even'
  const exponent = typeof e === 'string' ? decodeBase64url(e) : undefined
  const bits = exponent === undefined ? 0 : bitLength(exponent)
  let value = 0
  if (exponent !== undefined && bits <= 33) for (const byte of exponent) value = value * 256 + byte
  if (bits > 33 || value < MIN_RSA_EXPONENT || value > MAX_RSA_EXPONENT || value % 2 === 0) {
    return 'the RSA public exponent is not an odd number from 65537 to 2^32 + 1'
  }
  return undefined
}

/**
 * Why a public JWK must not verify anything, or `undefined` when it may: the one key-strength rule
 * for issuer keys and DPoP proof keys alike, applied to the JWK before any backend imports it, so
 * Web Crypto and `node:crypto` refuse the same keys. Refused:
 *
 * - RSA (RFC 7518 §6.3.1): a modulus under 2048 or over 8192 bits, or even; a public exponent that is even, under
 *   65537 or over 2^32 + 1. With e = 1 a signature is its own padded message, so anyone signs.
 * - EC P-256, P-384, P-521 (RFC 7518 §6.2.1): coordinates that are not exactly the field size, not
 *   below p, or not a point on the curve (SP 800-56A Rev. 3 §5.6.2.3.3 full public-key validation;
 *   the cofactor is 1, so no small-subgroup check is needed).
 * - Ed25519 (RFC 8037 §2, RFC 8032 §5.1.3): `x` not 32 octets, y ≥ 2^255 − 19 (non-canonical), or one
 *   of the eight points of small order, under either sign bit. OpenSSL's verification (both backends
 *   on Node) accepts R = −[k]·A, S = 0 for such a key.
 *
 * Not checked: that an Ed25519 y has an x at all (the backends then verify nothing), mixed-order
 * Ed25519 points (a signer's key plus a torsion point: no forgery without the private key),
 * leading zero octets in `n` or `e`, other key types and curves
 * (never selected for verification; `undefined`).
 */
export function checkPublicKeyStrength(jwk: Readonly<Record<string, unknown>>): string | undefined {
  switch (jwk.kty) {
    case 'RSA':
      return checkRSA(jwk.n, jwk.e)
    case 'EC':
      return checkEC(jwk.crv, jwk.x, jwk.y)
    case 'OKP':
      return jwk.crv === 'Ed25519' ? checkEd25519(jwk.x) : undefined
    default:
      return undefined
  }
}

/** JWK members that only private or secret keys have (RFC 7518 §6): a key set or a proof key with one is refused. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
