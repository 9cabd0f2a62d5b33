import type { CryptoBackend } from '../keys/crypto-backend.js'
import { encodeBase64url, timingSafeEqualString, utf8Encode } from '../lib/encoding.js'

/** Nonce settings fixed at `createGuard`. */
/** Seconds a server nonce is current (`dpop.nonce.lifetime`); the previous one is still taken. */
export const DEFAULT_NONCE_LIFETIME = 120
/** Shortest nonce secret accepted, in bytes (HMAC-SHA-256 keys shorter than the hash weaken it). */
export const MIN_NONCE_SECRET_BYTES = 32

export interface NonceRules {
  /** HMAC secrets, newest first: the first mints, every one verifies (rotation). */
  readonly secrets: readonly Uint8Array[]
  /** Length of one time step in seconds; a nonce is good in its own step and the next. */
  readonly stepSeconds: number
}

/** What checking a nonce found. */
export type NonceCheck = 'current' | 'stale-soon' | 'invalid'

const CONTEXT = 'fapi-guard dpop-nonce v1 '
const MAC_BYTES = 18

async function mac(backend: CryptoBackend, secret: Uint8Array, step: number): Promise<string> {
  const digest = await backend.hmacSha256(secret, utf8Encode(`${CONTEXT}${step}`))
  return encodeBase64url(digest.subarray(0, MAC_BYTES))
}

/**
 * Stateless server nonces (RFC 9449 §8–9): `<time step>.<HMAC of the step>`, base64url and `.` only
 * (NQCHAR). Any instance holding the secret accepts them; nobody else can make one.
 */
export async function mintNonce(backend: CryptoBackend, rules: NonceRules, now: number): Promise<string> {
  const step = Math.floor(now / rules.stepSeconds)
  return `${step.toString(36)}.${await mac(backend, rules.secrets[0] as Uint8Array, step)}`
}

/** `current` in the present step, `stale-soon` in the one before (still good, to be refreshed), else `invalid`. */
export async function checkNonce(backend: CryptoBackend, rules: NonceRules, nonce: string, now: number): Promise<NonceCheck> {
  const dot = nonce.indexOf('.')
  if (dot <= 0 || nonce.length > 64) return 'invalid'
  const stepText = nonce.slice(0, dot)
  if (!/^[0-9a-z]{1,12}$/.test(stepText)) return 'invalid'
  const step = Number.parseInt(stepText, 36)
  // Only the spelling this server mints (no leading zeros): a nonce must match exactly (RFC 9449 §8).
  if (step.toString(36) !== stepText) return 'invalid'
  const current = Math.floor(now / rules.stepSeconds)
  if (step !== current && step !== current - 1) return 'invalid'
  const presented = nonce.slice(dot + 1)
  for (const secret of rules.secrets) {
    if (timingSafeEqualString(await mac(backend, secret, step), presented)) return step === current ? 'current' : 'stale-soon'
  }
  return 'invalid'
}
