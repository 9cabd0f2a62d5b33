import * as nodeCrypto from 'node:crypto'
import { constants, createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { JWK } from 'jose'
import { expectedSignatureLength, type CryptoBackend } from '../keys/crypto-backend.js'

type NodeVerifyKey = KeyObject | { key: KeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' }

/** A key as `importKey` hands it back: what `crypto.verify` takes, and the one signature length it allows. */
interface ImportedKey {
  readonly verifyKey: NodeVerifyKey
  readonly signatureLength: number | undefined
}

/** `crypto.hash` (Node ≥ 20.12): one call, no `Hash` object to allocate and finalize. */
const oneShotHash = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash

function digestOf(alg: string): string | null {
  return alg === 'EdDSA' || alg === 'Ed25519' ? null : `sha${alg.slice(-3)}`
}

/** How often the event loop's utilization is read, in milliseconds. */
const LOAD_WINDOW_MS = 100
/** Above this share of a window spent working, the loop counts as busy; below `IDLE_BELOW`, as idle again. */
const BUSY_ABOVE = 0.75
const IDLE_BELOW = 0.5

/**
 * Whether this thread's event loop has been busy lately: its utilization (time not waiting for I/O)
 * over the last window of ~100 ms, with hysteresis so that handing work off, which lowers the
 * figure, does not flip the answer back at once. One clock read per call; the utilization itself is
 * read once per window.
 */
export function eventLoopBusy(): () => boolean {
  let previous = performance.eventLoopUtilization()
  let checkedAt = performance.now()
  let busy = false
  return () => {
    const now = performance.now()
    if (now - checkedAt >= LOAD_WINDOW_MS) {
      const current = performance.eventLoopUtilization()
      const { utilization } = performance.eventLoopUtilization(current, previous)
      busy = busy ? utilization > IDLE_BELOW : utilization > BUSY_ABOVE
      previous = current
      checkedAt = now
    }
    return busy
  }
}

/** Decides, per signature, whether libuv's thread pool verifies it, and hears how each one it sent went. */
export interface OffloadPolicy {
  offload(): boolean
  /** A signature sent to the thread pool was verified; `company`: whether other verifications began meanwhile. */
  settled(company: boolean): void
}

/** Sent to the thread pool in a row with no other verification beginning meanwhile, before `adaptiveOffload` stops. */
const ALONE_LIMIT = 8
/** How long `adaptiveOffload` then verifies on the calling thread before it tries the pool again, in milliseconds. */
const ALONE_RETRY_MS = 1000

/**
 * `offloadSignatures: 'auto'`: the thread pool once the event loop is busy (`busy`), as long as the
 * work overlaps. A caller that awaits one verification after another (a loop over stored tokens, a
 * benchmark) keeps the loop just as busy but gains nothing from the pool, only the ~50 µs of the trip:
 * after `ALONE_LIMIT` offloaded verifications that ran alone, signatures stay on the calling thread
 * for a second, then the pool is tried again.
 */
export function adaptiveOffload(busy: () => boolean = eventLoopBusy(), now: () => number = () => performance.now()): OffloadPolicy {
  let alone = 0
  let retryAt = 0
  return {
    offload() {
      if (!busy()) return false
      if (alone < ALONE_LIMIT) return true
      if (now() < retryAt) return false
      alone = 0
      return true
    },
    settled(company) {
      alone = company ? 0 : alone + 1
      if (alone === ALONE_LIMIT) retryAt = now() + ALONE_RETRY_MS
    },
  }
}

/** `offloadSignatures: true` or `false`: always the thread pool, or never. */
export function fixedOffload(offload: boolean): OffloadPolicy {
  return { offload: () => offload, settled: () => {} }
}

/**
 * The `node:crypto` backend: a `KeyObject` imported once per key and algorithm, verified without Web
 * Crypto's overhead, on the calling thread or on libuv's thread pool as `policy` decides. Both give
 * the same answer.
 */
export function createNodeCryptoBackend(policy: OffloadPolicy = adaptiveOffload()): CryptoBackend {
  /** Verifications begun so far: whether others began while one was on the thread pool. */
  let begun = 0
  return {
    async importKey(jwk: JWK, alg: string): Promise<ImportedKey> {
      const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
      const signatureLength = expectedSignatureLength(alg, key.asymmetricKeyDetails?.modulusLength)
      switch (alg.slice(0, 2)) {
        case 'PS':
          return { verifyKey: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 }, signatureLength }
        case 'ES':
          return { verifyKey: { key, dsaEncoding: 'ieee-p1363' }, signatureLength }
        default:
          return { verifyKey: key, signatureLength }
      }
    },
    verify(alg, key, signature, data) {
      const { verifyKey, signatureLength } = key as ImportedKey
      if (signatureLength === undefined || signature.length !== signatureLength) return false
      begun++
      try {
        if (!policy.offload()) return verify(digestOf(alg), data, verifyKey, signature)
        const mark = begun
        return new Promise<boolean>((resolve) => {
          try {
            verify(digestOf(alg), data, verifyKey, signature, (error, valid) => {
              policy.settled(begun !== mark)
              resolve(!error && valid === true)
            })
          } catch {
            resolve(false)
          }
        })
      } catch {
        return false
      }
    },
    sha256Base64url(data) {
      return oneShotHash !== undefined ? oneShotHash('sha256', data, 'base64url') : createHash('sha256').update(data).digest('base64url')
    },
    hmacSha256(secret, data) {
      return createHmac('sha256', secret).update(data).digest()
    },
  }
}

/** The backend of the Node entry point (`offloadSignatures: 'auto'`): one per process, as its event loop is. */
export const nodeCryptoBackend: CryptoBackend = createNodeCryptoBackend()

const fixedBackends = new Map<boolean, CryptoBackend>()

/** The backend for `offloadSignatures: true` or `false`. */
export function nodeCryptoBackendOffloading(offload: boolean): CryptoBackend {
  let backend = fixedBackends.get(offload)
  if (backend === undefined) {
    backend = createNodeCryptoBackend(fixedOffload(offload))
    fixedBackends.set(offload, backend)
  }
  return backend
}
