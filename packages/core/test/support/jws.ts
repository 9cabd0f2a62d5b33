import { createHmac, sign as nodeSign, type KeyObject } from 'node:crypto'
import type { LocalIssuerKey } from '@fapi-guard/testing'

/** base64url without padding of UTF-8 text or bytes. */
export function b64u(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url')
}

/**
 * One compact-JWS segment: bytes are encoded as they are (UTF-16, invalid UTF-8), raw JSON text as given
 * (duplicate members, `1e400`…), anything else is JSON.stringify'd.
 */
export function segment(value: unknown): string {
  if (value instanceof Uint8Array) return b64u(value)
  return b64u(typeof value === 'string' ? value : JSON.stringify(value))
}

const SUBTLE_PARAMS: Record<string, AlgorithmIdentifier | RsaPssParams | EcdsaParams> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  ES512: { name: 'ECDSA', hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  PS384: { name: 'RSA-PSS', saltLength: 48 },
  PS512: { name: 'RSA-PSS', saltLength: 64 },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  RS384: { name: 'RSASSA-PKCS1-v1_5' },
  RS512: { name: 'RSASSA-PKCS1-v1_5' },
  EdDSA: { name: 'Ed25519' },
}

/** Signs `input` with a local issuer key (Web Crypto), the way its `alg` says: raw r‖s for ECDSA. */
export async function signWithIssuerKey(key: LocalIssuerKey, input: string): Promise<Uint8Array> {
  const params = SUBTLE_PARAMS[key.alg]
  if (params === undefined) throw new Error(`no signer for ${key.alg}`)
  return new Uint8Array(await crypto.subtle.sign(params, key.privateKey, new TextEncoder().encode(input)))
}

/** A signer: bytes of the signature over the JWS signing input. */
export type Signer = (input: string) => Uint8Array | Promise<Uint8Array>

/** Signer for a local issuer key. */
export function issuerSigner(key: LocalIssuerKey): Signer {
  return (input) => signWithIssuerKey(key, input)
}

/** Signer for a node:crypto private key; ECDSA in JWS (IEEE P1363) form unless `der` is asked for. */
export function nodeSigner(digest: string | null, key: KeyObject, options: { der?: boolean; pss?: number } = {}): Signer {
  return (input) =>
    new Uint8Array(
      nodeSign(digest, Buffer.from(input), {
        key,
        ...(key.asymmetricKeyType === 'ec' && { dsaEncoding: options.der ? 'der' : 'ieee-p1363' }),
        ...(options.pss !== undefined && { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: options.pss }),
      }),
    )
}

/** HMAC-SHA256 signer with an arbitrary secret (alg-confusion attacks). */
export function hmacSigner(secret: string | Uint8Array): Signer {
  return (input) => new Uint8Array(createHmac('sha256', secret).update(input).digest())
}

/** Builds a compact JWS by hand: header and payload as objects or raw JSON text, signed by `signer`. */
export async function craftJWS(header: unknown, payload: unknown, signer: Signer): Promise<string> {
  const input = `${segment(header)}.${segment(payload)}`
  return `${input}.${b64u(await signer(input))}`
}

/** The three segments of a compact JWS. */
export function splitJWS(token: string): [string, string, string] {
  const [header = '', payload = '', signature = ''] = token.split('.')
  return [header, payload, signature]
}

/** Replaces the signature segment of a compact JWS. */
export function withSignature(token: string, signature: Uint8Array | string): string {
  const [header, payload] = splitJWS(token)
  return `${header}.${payload}.${typeof signature === 'string' ? signature : b64u(signature)}`
}

/** Decoded signature bytes of a compact JWS. */
export function signatureOf(token: string): Uint8Array {
  return new Uint8Array(Buffer.from(splitJWS(token)[2], 'base64url'))
}

/** Flips one bit of the signature (first byte). */
export function flipSignatureBit(token: string): string {
  const signature = signatureOf(token)
  signature[0] = (signature[0] as number) ^ 0x01
  return withSignature(token, signature)
}

function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const trimmed = bytes.subarray(start)
  const body = (trimmed[0] as number) & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed
  return Uint8Array.of(0x02, body.length, ...body)
}

/** ASN.1 DER `ECDSA-Sig-Value` of a raw r‖s signature (what X.509 uses, not JWS). */
export function derFromRawECDSA(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2
  const r = derInteger(raw.subarray(0, half))
  const s = derInteger(raw.subarray(half))
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s)
}

/** Order of the P-256 group. */
export const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)
}

function toBytes(value: bigint, length: number): Uint8Array {
  return new Uint8Array(Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex'))
}

/** The other valid ECDSA signature (r, n − s): the same r‖s size, the "high-S" twin. */
export function otherSOfECDSA(raw: Uint8Array, order = P256_ORDER): Uint8Array {
  const half = raw.length / 2
  const s = toBigInt(raw.subarray(half))
  return Uint8Array.of(...raw.subarray(0, half), ...toBytes(order - s, half))
}
