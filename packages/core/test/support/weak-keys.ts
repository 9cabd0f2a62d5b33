/**
 * Keys that anyone can sign for, and signatures made with them without a private key (issue 14,
 * class 4): Ed25519 small-order points and RSA with chosen public exponents, computed here with
 * BigInt arithmetic, independently of src/keys/check-key-strength.ts.
 */
import { createHash, generateKeyPairSync, generatePrimeSync } from 'node:crypto'

// ---------------------------------------------------------------------------------------------------
// edwards25519 (RFC 8032 §5.1): −x² + y² = 1 + d·x²·y² over GF(p), affine, slow and simple.

/** p = 2^255 − 19. */
export const ED_P = 2n ** 255n - 19n
/** Order of the prime subgroup. */
export const ED_L = 2n ** 252n + 27742317777372353535851937790883648493n

function mod(a: bigint, m = ED_P): bigint {
  const r = a % m
  return r < 0n ? r + m : r
}

export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n
  let b = mod(base, m)
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m
    b = (b * b) % m
  }
  return result
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m]
  let [s0, s1] = [1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  if (r0 !== 1n) throw new Error('not invertible')
  return mod(s0, m)
}

const D = mod(-121665n * modInverse(121666n, ED_P))
const SQRT_M1 = modPow(2n, (ED_P - 1n) / 4n, ED_P)

type Point = readonly [x: bigint, y: bigint]
const IDENTITY: Point = [0n, 1n]

function add([x1, y1]: Point, [x2, y2]: Point): Point {
  const t = mod(D * x1 * x2 * y1 * y2)
  return [mod((x1 * y2 + x2 * y1) * modInverse(1n + t, ED_P)), mod((y1 * y2 + x1 * x2) * modInverse(1n - t, ED_P))]
}

function multiply(point: Point, scalar: bigint): Point {
  let result = IDENTITY
  let addend = point
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = add(result, addend)
    addend = add(addend, addend)
  }
  return result
}

/** RFC 8032 §5.1.3, without its canonicality checks (y is reduced mod p, x = 0 with the sign bit set is kept), as OpenSSL decodes. */
function decode(bytes: Uint8Array): Point | undefined {
  const y = mod(littleEndian(bytes) & (2n ** 255n - 1n))
  const sign = BigInt(((bytes[31] as number) >> 7) & 1)
  const u = mod(y * y - 1n)
  const v = mod(D * y * y + 1n)
  const x2 = mod(u * modInverse(v, ED_P))
  let x = modPow(x2, (ED_P + 3n) / 8n, ED_P)
  if (mod(x * x - x2) !== 0n) x = mod(x * SQRT_M1)
  if (mod(x * x - x2) !== 0n) return undefined
  return [(x & 1n) === sign ? x : mod(-x), y]
}

function littleEndian(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`)
}

/** The 32-octet encoding of y with the sign bit given (y may be ≥ p: a non-canonical spelling). */
export function encodeEd25519(y: bigint, signBit: 0 | 1): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(y.toString(16).padStart(64, '0'), 'hex').reverse())
  bytes[31] = (bytes[31] as number) | (signBit << 7)
  return bytes
}

function encodePoint([x, y]: Point): Uint8Array {
  return encodeEd25519(y, Number(x & 1n) as 0 | 1)
}

function orderOf(point: Point): number {
  let order = 1
  for (let q = point; !(q[0] === 0n && q[1] === 1n); q = add(q, point)) order++
  return order
}

/** An Ed25519 public key (its 32 octets) that is a point of order 1, 2, 4 or 8, and how it is spelled. */
export interface SmallOrderKey {
  readonly label: string
  readonly bytes: Uint8Array
}

/**
 * Every spelling of the eight points of small order: found as multiples of T = [L]·P (P on the curve
 * with a T of order 8), each canonical, then with the other sign bit where x = 0 (y = ±1; RFC 8032
 * says decoding fails, OpenSSL accepts), and y + p for y < 19 (y = 0 and y = 1).
 */
export function smallOrderKeys(): SmallOrderKey[] {
  let generator: Point | undefined
  for (let y = 2n; generator === undefined; y++) {
    const point = decode(encodeEd25519(y, 0))
    if (point === undefined) continue
    const torsion = multiply(point, ED_L)
    if (orderOf(torsion) === 8) generator = torsion
  }
  const keys: SmallOrderKey[] = []
  for (let k = 0n; k < 8n; k++) {
    const point = multiply(generator, k)
    keys.push({ label: `order ${orderOf(point)}, [${k}]T (canonical)`, bytes: encodePoint(point) })
  }
  keys.push({ label: 'order 1, y = 1 with the sign bit set', bytes: encodeEd25519(1n, 1) })
  keys.push({ label: 'order 2, y = p − 1 with the sign bit set', bytes: encodeEd25519(ED_P - 1n, 1) })
  for (const signBit of [0, 1] as const) {
    keys.push({ label: `order 4, y = p (non-canonical 0), sign ${signBit}`, bytes: encodeEd25519(ED_P, signBit) })
    keys.push({ label: `order 1, y = p + 1 (non-canonical 1), sign ${signBit}`, bytes: encodeEd25519(ED_P + 1n, signBit) })
  }
  return keys
}

/**
 * A signature (R ‖ S, S = 0) of `message` under the small-order key `publicKey` that RFC 8032's
 * cofactorless check [S]·B = R + [k]·A accepts: R = −[k]·A with k = SHA-512(R ‖ A ‖ M), tried for
 * each R in A's subgroup. `undefined` when no R fits this message (then another message will do).
 */
export function forgeEd25519(publicKey: Uint8Array, message: Uint8Array): Uint8Array | undefined {
  const A = decode(publicKey)
  if (A === undefined) throw new Error('not a point')
  const subgroup: Point[] = []
  for (let i = 0n, q = IDENTITY; i < 8n; i++, q = add(q, A)) subgroup.push(q)
  for (const candidate of subgroup) {
    const R = encodePoint(candidate)
    const k = mod(littleEndian(createHash('sha512').update(R).update(publicKey).update(message).digest()), ED_L)
    const expected = multiply(A, mod(-k, 8n)) // −[k]·A: A's order divides 8
    if (Buffer.from(encodePoint(expected)).equals(Buffer.from(R))) return Uint8Array.of(...R, ...new Uint8Array(32))
  }
  return undefined
}

/** Tries messages `make(0)`, `make(1)`… until one can be forged under `publicKey`; returns the message and signature. */
export function forgeEd25519Message<T extends { input: string }>(
  publicKey: Uint8Array,
  make: (attempt: number) => T,
): T & { signature: Uint8Array } {
  for (let attempt = 0; attempt < 256; attempt++) {
    const candidate = make(attempt)
    const signature = forgeEd25519(publicKey, new TextEncoder().encode(candidate.input))
    if (signature !== undefined) return { ...candidate, signature }
  }
  throw new Error('no forgery found')
}

// ---------------------------------------------------------------------------------------------------
// RSA with a chosen public exponent.

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)
const toBytes = (value: bigint, length: number): Uint8Array => new Uint8Array(Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex'))
const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b))

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex')

/** EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of SHA-256(message), `k` octets. */
export function pkcs1v15(message: Uint8Array, k: number): Uint8Array {
  const t = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(message).digest()])
  return Uint8Array.of(0, 1, ...new Uint8Array(k - 3 - t.length).fill(0xff), 0, ...t)
}

function mgf1(seed: Uint8Array, length: number): Uint8Array {
  const out: Buffer[] = []
  for (let counter = 0; out.length * 32 < length; counter++) {
    out.push(createHash('sha256').update(seed).update(toBytes(BigInt(counter), 4)).digest())
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, length))
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with SHA-256, MGF1-SHA-256 and a 32-octet salt, for a modulus of `modBits` bits. */
export function pss(message: Uint8Array, modBits: number): Uint8Array {
  const emBits = modBits - 1
  const emLen = Math.ceil(emBits / 8)
  const salt = crypto.getRandomValues(new Uint8Array(32))
  const mHash = createHash('sha256').update(message).digest()
  const h = createHash('sha256').update(new Uint8Array(8)).update(mHash).update(salt).digest()
  const db = Uint8Array.of(...new Uint8Array(emLen - 32 - 32 - 2), 1, ...salt)
  const mask = mgf1(h, db.length)
  const masked = db.map((byte, i) => byte ^ (mask[i] as number))
  masked[0] = (masked[0] as number) & (0xff >> (8 * emLen - emBits))
  return Uint8Array.of(...masked, ...h, 0xbc)
}

/** An RSA public key with exponent `e` and a way to sign with it (`undefined` when this message cannot be). */
export interface ChosenExponentKey {
  readonly jwk: { kty: 'RSA'; n: string; e: string }
  readonly modulus: bigint
  /** Raw RSA: the signature s with s^e ≡ `encoded` (mod n), as `k` octets. */
  sign(encoded: Uint8Array): Uint8Array | undefined
}

function prime(bits: number, fits: (p: bigint) => boolean): bigint {
  for (;;) {
    const candidate = generatePrimeSync(bits, { bigint: true })
    if (fits(candidate)) return candidate
  }
}

/**
 * A 2048-bit RSA key with public exponent `e`. e = 1 needs no private key at all: the signature of
 * an encoded message is the encoded message. An even e = 2m takes p ≡ q ≡ 3 (mod 4) and a square root
 * (Rabin), so only messages whose encoding is a square modulo n can be signed.
 */
export function rsaKeyWithExponent(e: bigint): ChosenExponentKey {
  const k = 256
  if (e === 1n) {
    const { n } = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' })
    const modulus = toBigInt(Buffer.from(n as string, 'base64url'))
    return { jwk: { kty: 'RSA', n: n as string, e: 'AQ' }, modulus, sign: (encoded) => encoded }
  }
  const odd = e % 2n === 0n ? e / 2n : e
  const fits = (p: bigint) => gcd(odd, p - 1n) === 1n && (e % 2n !== 0n || p % 4n === 3n)
  const p = prime(1024, fits)
  const q = prime(1024, (candidate) => candidate !== p && fits(candidate))
  const n = p * q
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)
  const d = modInverse(odd, lambda)
  const jwk = { kty: 'RSA' as const, n: b64u(toBytes(n, k)), e: b64u(toBytes(e, Math.ceil(e.toString(16).length / 2))) }
  return {
    jwk,
    modulus: n,
    sign(encoded) {
      const m = toBigInt(encoded)
      const s0 = modPow(m, d, n) // s0^odd ≡ m
      if (odd === e) return toBytes(s0, k)
      const rp = modPow(s0, (p + 1n) / 4n, p)
      const rq = modPow(s0, (q + 1n) / 4n, q)
      if (mod(rp * rp - s0, p) !== 0n || mod(rq * rq - s0, q) !== 0n) return undefined
      const s = mod(rp * q * modInverse(q, p) + rq * p * modInverse(p, q), n)
      return toBytes(s, k)
    },
  }
}

/** Signs `input` with `key` as `alg` (RS256 or PS256) says, or `undefined` when the key cannot sign this input. */
export function signRSA(key: ChosenExponentKey, alg: 'RS256' | 'PS256', input: string): Uint8Array | undefined {
  const message = new TextEncoder().encode(input)
  return key.sign(alg === 'RS256' ? pkcs1v15(message, 256) : pss(message, 2048))
}

/** A 2048-bit "RSA" key whose modulus is even (n = 2q, e = 65537), and raw signatures under it by the CRT. */
export function evenModulusKey(): ChosenExponentKey {
  const q = prime(2047, (candidate) => gcd(65537n, candidate - 1n) === 1n)
  const n = 2n * q
  const d = modInverse(65537n, q - 1n)
  return {
    jwk: { kty: 'RSA', n: b64u(toBytes(n, 256)), e: 'AQAB' },
    modulus: n,
    sign(encoded) {
      const m = toBigInt(encoded)
      const s = modPow(m, d, q)
      return toBytes((s & 1n) === (m & 1n) ? s : s + q, 256)
    },
  }
}
