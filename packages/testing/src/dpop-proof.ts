import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

/** A client's DPoP key pair. */
export interface DPoPKey {
  readonly alg: 'ES256' | 'PS256' | 'EdDSA' | 'RS256' | 'ES384'
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
  /** RFC 7638 SHA-256 thumbprint: the `cnf.jkt` of tokens bound to this key. */
  readonly thumbprint: string
}

/** What a proof says, and how it deviates from a valid one. */
export interface DPoPProofOptions {
  readonly key: DPoPKey
  /** `htm`. */
  readonly method: string
  /** `htu` (query and fragment are removed unless `keepQuery`). */
  readonly url: string
  /** The access token; its hash becomes `ath`. */
  readonly accessToken?: string
  readonly nonce?: string
  /** `iat` in seconds. Default now. */
  readonly iat?: number
  readonly jti?: string
  /** Header members to add or override (`typ`, `alg`, `jwk`, …); `undefined` removes one. */
  readonly header?: Record<string, unknown>
  /** Claims to add or override; `undefined` removes one. */
  readonly claims?: Record<string, unknown>
  readonly keepQuery?: boolean
}

/** Makes a DPoP key pair. */
export async function createDPoPKey(alg: DPoPKey['alg'] = 'ES256'): Promise<DPoPKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  const publicJwk = await exportJWK(publicKey)
  return { alg, privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256') }
}

/** base64url(SHA-256(token)): the `ath` of a proof for `token` (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url')
}

/** What a proof says when the key is given first: `createDPoPProof(key, { method, url, accessToken, nonce })`. */
export type DPoPProofClaims = Omit<DPoPProofOptions, 'key'>

/**
 * Signs a DPoP proof JWT (RFC 9449 §4.2) for a resource request: `htm` = `method`, `htu` = `url`
 * without query and fragment, `ath` = hash of `accessToken`, `nonce` when given, a fresh `jti`, `iat` now.
 */
export function createDPoPProof(key: DPoPKey, claims: DPoPProofClaims): Promise<string>
/** The same with the key among the options: `createDPoPProof({ key, method, url, … })`. */
export function createDPoPProof(options: DPoPProofOptions): Promise<string>
export async function createDPoPProof(first: DPoPKey | DPoPProofOptions, second?: DPoPProofClaims): Promise<string> {
  const options: DPoPProofOptions = second === undefined ? (first as DPoPProofOptions) : { ...second, key: first as DPoPKey }
  if (typeof options !== 'object' || options === null || typeof options.key !== 'object' || options.key === null) {
    throw new TypeError('createDPoPProof: give (key, { method, url, ... }) or ({ key, method, url, ... })')
  }
  const url = new URL(options.url)
  if (!options.keepQuery) {
    url.search = ''
    url.hash = ''
  }
  const payload: Record<string, unknown> = {
    jti: options.jti ?? randomUUID(),
    htm: options.method,
    htu: options.keepQuery ? options.url : url.href,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...(options.accessToken !== undefined && { ath: accessTokenHash(options.accessToken) }),
    ...(options.nonce !== undefined && { nonce: options.nonce }),
    ...options.claims,
  }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  const header: Record<string, unknown> = { typ: 'dpop+jwt', alg: options.key.alg, jwk: options.key.publicJwk, ...options.header }
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name]
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(options.key.privateKey)
}
