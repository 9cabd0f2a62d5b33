/**
 * Helpers for the DPoP suites (test/binding, test/replay, test/request/proxy-*), on top of `kit.ts`: a guard
 * wired to a local issuer, DPoP-bound tokens, clients that make proofs, hand-built proofs, DPoP challenges.
 */
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { accessTokenHash, createDPoPKey, createDPoPProof, type DPoPKey, type DPoPProofOptions, type LocalIssuer } from '@fapi-guard/testing'
import type { Guard } from '../../src/pipeline/guard.js'
import type { ErrorCode, OAuthErrorCode } from '../../src/errors/codes.js'
import type { GuardOptions } from '../../src/options/types.js'
import type { RequestLike } from '../../src/types.js'
import { b64u, segment, type Signer } from './jws.js'
import { API, requestLike, type ExpectedRefusal, type TestClock } from './kit.js'

/** The `algs` every default (fapi2) guard advertises. */
export const ALGS = 'PS256 ES256 EdDSA Ed25519'

/** The options of a guard on the local issuer with a test clock, plus `extra`. */
export function guardOptions(issuer: LocalIssuer, clock: TestClock, extra: Partial<GuardOptions> = {}): GuardOptions {
  return { issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience, clock: clock.now, ...extra }
}

/** An access token bound to `jkt` (`cnf: { jkt }`), issued at the clock's now, valid for `expiresIn` seconds. */
export function boundToken(
  issuer: LocalIssuer,
  clock: TestClock,
  jkt: string,
  options: { claims?: Record<string, unknown>; expiresIn?: number } = {},
): Promise<string> {
  return issuer.mint({ cnf: { jkt }, ...options.claims }, { now: clock.seconds, expiresIn: options.expiresIn ?? 3600 })
}

/** A client of the guard: its DPoP key, a token bound to it, and a proof maker with the suite's defaults. */
export interface Client {
  readonly key: DPoPKey
  readonly token: string
  /** A fresh proof for `API` (GET, `iat` = clock now, `ath` of the token) with `overrides`. */
  proof(overrides?: Partial<DPoPProofOptions>): Promise<string>
  /** The request with a fresh proof (or `proof` when given). */
  request(overrides?: Partial<DPoPProofOptions> & { requestUrl?: string; requestMethod?: string }): Promise<RequestLike>
}

export async function createClient(
  issuer: LocalIssuer,
  clock: TestClock,
  options: { alg?: DPoPKey['alg']; key?: DPoPKey; expiresIn?: number } = {},
): Promise<Client> {
  const key = options.key ?? (await createDPoPKey(options.alg ?? 'ES256'))
  const token = await boundToken(issuer, clock, key.thumbprint, options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn })
  const proof = (overrides: Partial<DPoPProofOptions> = {}) =>
    createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat: clock.seconds, ...overrides })
  return {
    key,
    token,
    proof,
    async request(overrides = {}) {
      const { requestUrl, requestMethod, ...proofOverrides } = overrides
      return requestLike({
        scheme: 'DPoP',
        token,
        proof: await proof(proofOverrides),
        method: requestMethod ?? proofOverrides.method ?? 'GET',
        url: requestUrl ?? API,
      })
    },
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * The challenge of a refusal of a DPoP request: an error-free `Bearer realm="api"` (the scheme not used),
 * then `DPoP error=…, error_description=…, algs=…` (RFC 9449 §7.1, §7.2 rule b).
 */
export function dpopChallenge(error: OAuthErrorCode, description?: string, algs = ALGS): RegExp {
  const describe = description === undefined ? '[^"]*' : escape(description)
  return new RegExp(`^Bearer realm="api", DPoP error="${error}", error_description="${describe}", algs="${escape(algs)}"$`)
}

/** 401 `invalid_dpop_proof` with `code`, in the DPoP challenge. */
export function invalidProof(code: ErrorCode): ExpectedRefusal {
  return { status: 401, error: 'invalid_dpop_proof', code, challenge: dpopChallenge('invalid_dpop_proof') }
}

/** RFC 6749 Appendix A NQCHAR, as RFC 9449 §8.1 requires of `DPoP-Nonce`. */
export const NQCHAR = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** Header names of a record that equal `name` case-insensitively. */
export function headerCount(headers: Readonly<Record<string, string>>, name: string): number {
  return Object.keys(headers).filter((key) => key.toLowerCase() === name).length
}

// ---------------------------------------------------------------------------------------------------
// Hand-built proofs (what createDPoPProof refuses to make: `alg: none`, HMAC, wrong key types, …)

/** A proof key held by node:crypto, with its private JWK (`d`) at hand. */
export interface NodeProofKey {
  readonly privateKey: KeyObject
  readonly publicJwk: JWK
  readonly privateJwk: JWK
  readonly thumbprint: string
}

/** A P-256 key pair from node:crypto. */
export async function nodeProofKey(): Promise<NodeProofKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK
  return {
    privateKey,
    publicJwk,
    privateJwk: privateKey.export({ format: 'jwk' }) as JWK,
    thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256'),
  }
}

/** ES256 (raw r‖s) with a node:crypto P-256 key. */
export function es256Signer(key: KeyObject): Signer {
  return (input) => new Uint8Array(nodeSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))
}

const SUBTLE: Record<DPoPKey['alg'], AlgorithmIdentifier | RsaPssParams | EcdsaParams> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  EdDSA: { name: 'Ed25519' },
}

/** A signer with a test-kit DPoP key (Web Crypto), as its `alg` says. */
export function dpopKeySigner(key: DPoPKey): Signer {
  return async (input) => new Uint8Array(await crypto.subtle.sign(SUBTLE[key.alg], key.privateKey, new TextEncoder().encode(input)))
}

/** Builds a compact JWS by hand; header and payload as objects or raw JSON text. */
export async function handProof(header: unknown, payload: unknown, signer: Signer | null): Promise<string> {
  const input = `${segment(header)}.${segment(payload)}`
  return `${input}.${signer === null ? '' : b64u(await signer(input))}`
}

/** The claims of a valid proof for `API` at `iat`, bound to `token`. */
export function proofClaims(token: string, iat: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { jti: crypto.randomUUID(), htm: 'GET', htu: API, iat, ath: accessTokenHash(token), ...extra }
}
