/**
 * Keys, tokens and DPoP proofs for the benchmarks, made with node:crypto directly (signing is never
 * what is measured, and node:crypto signs several times faster than jose's Web Crypto path, so large
 * pools of first-sight tokens and fresh proofs are cheap to make).
 */
import { constants, createHash, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto'

export const ISSUER = 'https://as.bench.test'
export const AUDIENCE = 'https://api.bench.test'

export type Alg = 'ES256' | 'PS256' | 'RS256' | 'EdDSA'
export const ALGS: readonly Alg[] = ['ES256', 'PS256', 'RS256', 'EdDSA']

/** A public JWK as served in a JWKS. */
export type PublicJWK = JsonWebKey & { kid: string; alg: string; use: 'sig' }

export interface SigningKey {
  readonly alg: Alg
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly jwk: PublicJWK
}

function b64(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url')
}

export function makeKey(alg: Alg): SigningKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = `bench-${alg.toLowerCase()}`
  const jwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JsonWebKey), kid, alg, use: 'sig' as const }
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk }
}

export function makeKeys(): Record<Alg, SigningKey> {
  return { ES256: makeKey('ES256'), PS256: makeKey('PS256'), RS256: makeKey('RS256'), EdDSA: makeKey('EdDSA') }
}

export function signatureOf(alg: Alg, key: KeyObject, input: Buffer): Buffer {
  switch (alg) {
    case 'ES256':
      return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' })
    case 'PS256':
      return sign('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    case 'RS256':
      return sign('sha256', input, key)
    case 'EdDSA':
      return sign(null, input, key)
  }
}

/** A compact JWS over `header` and `payload`. */
export function signJWS(alg: Alg, key: KeyObject, header: object, payload: object): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`
  return `${input}.${b64(signatureOf(alg, key, Buffer.from(input)))}`
}

/** An RFC 9068 access token (`typ: at+jwt`), one hour, a fresh `jti`. */
export function mintAccessToken(key: SigningKey, extra: Record<string, unknown> = {}, now = Math.floor(Date.now() / 1000)): string {
  return signJWS(
    key.alg,
    key.privateKey,
    { alg: key.alg, typ: 'at+jwt', kid: key.kid },
    {
      iss: ISSUER,
      sub: 'user-4711',
      aud: AUDIENCE,
      client_id: 'bench-client',
      scope: 'accounts:read payments:write',
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
      ...extra,
    },
  )
}

export function mintAccessTokens(key: SigningKey, count: number, extra: Record<string, unknown> = {}): string[] {
  const now = Math.floor(Date.now() / 1000)
  return Array.from({ length: count }, () => mintAccessToken(key, extra, now))
}

/** A client's DPoP key (ES256) with its public JWK and RFC 7638 thumbprint. */
export interface DPoPKey {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly jwk: { kty: string; crv: string; x: string; y: string }
  readonly jkt: string
}

export function makeDPoPKey(): DPoPKey {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const full = pair.publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string }
  const jwk = { kty: full.kty, crv: full.crv, x: full.x, y: full.y }
  const jkt = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url')
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, jwk, jkt }
}

export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** A DPoP proof (RFC 9449 §4.2) for one request, with a fresh `jti`. */
export function mintProof(key: DPoPKey, htm: string, htu: string, token: string, iat = Math.floor(Date.now() / 1000), ath = accessTokenHash(token)): string {
  return signJWS('ES256', key.privateKey, { typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk }, { jti: randomUUID(), htm, htu, iat, ath })
}

export function mintProofs(key: DPoPKey, count: number, htm: string, htu: string, token: string): string[] {
  const iat = Math.floor(Date.now() / 1000)
  const ath = accessTokenHash(token)
  return Array.from({ length: count }, () => mintProof(key, htm, htu, token, iat, ath))
}

/** The PEM (SPKI) of a public key, for libraries that take a static key. */
export function publicPem(key: SigningKey): string {
  return key.publicKey.export({ format: 'pem', type: 'spki' }).toString()
}
