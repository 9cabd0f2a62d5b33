import { ReplayStoreFullError, type ReplayStore } from '@fapi-guard/core'
import { checkCommon, checkFunction, withTimeout, type RedisClient } from './shared.js'

/** Options of `createRedisReplayStore`. */
export interface RedisReplayStoreOptions {
  /** Put before every key the guard passes (a SHA-256 hash, never the raw `jti`). Default `fapi-guard:replay:`. */
  prefix?: string
  /**
   * Milliseconds one `SET` may take; past that `useOnce` rejects and the guard refuses the request
   * with 503 `ERR_REPLAY_STORE_UNAVAILABLE`. Applied per call by the store, independent of the
   * client's own `commandTimeout`. Default 100.
   */
  commandTimeout?: number
  /** Told about every Redis failure (error or timeout) before `useOnce` rejects; for logs and metrics. */
  onError?: (error: unknown) => void
}

export const DEFAULT_REPLAY_PREFIX = 'fapi-guard:replay:'
const FACTORY = 'createRedisReplayStore'
const OPTIONS = ['prefix', 'commandTimeout', 'onError']

/** Redis answers `OOM command not allowed …` when `maxmemory` is reached under `noeviction`. */
function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && /^OOM\b/.test(error.message)
}

/**
 * A `ReplayStore` on Redis, shared by every instance of an API: `useOnce(key, expiresAt)` is one atomic
 * `SET <prefix><key> 1 NX PXAT <expiresAt>` — the first caller sets the key and gets `true`, every other
 * caller (any process, any host) gets `false` until the key expires at `expiresAt` (Redis's clock).
 *
 * It fails closed: a Redis error or a command slower than `commandTimeout` rejects, so the guard
 * refuses the request (503 `ERR_REPLAY_STORE_UNAVAILABLE`); Redis out of memory (`maxmemory` under
 * `noeviction`) rejects with `ReplayStoreFullError` (503 `ERR_REPLAY_STORE_FULL`). It never reads
 * before writing, and never answers `true` without Redis having stored the key.
 */
export function createRedisReplayStore(redis: RedisClient, options: RedisReplayStoreOptions = {}): ReplayStore {
  const { prefix, timeoutMs } = checkCommon(FACTORY, redis, options, OPTIONS, DEFAULT_REPLAY_PREFIX)
  const onError = checkFunction<(error: unknown) => void>(FACTORY, 'onError', options.onError)
  return {
    async useOnce(key, expiresAt) {
      if (typeof key !== 'string' || key.length === 0) throw new TypeError('fapi-guard: replay key must be a non-empty string')
      if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt < 1) {
        throw new TypeError('fapi-guard: replay expiresAt must be a time in milliseconds since the epoch')
      }
      // PXAT takes whole milliseconds; rounding up never forgets a key early.
      const at = Math.ceil(expiresAt)
      let reply: 'OK' | null
      try {
        reply = await withTimeout(redis.set(`${prefix}${key}`, '1', 'PXAT', at, 'NX'), timeoutMs, 'SET NX PXAT')
      } catch (error) {
        try {
          onError?.(error)
        } catch {
          // A throwing logger must not turn a refusal into something else.
        }
        if (isOutOfMemory(error)) throw new ReplayStoreFullError('Redis is out of memory (maxmemory reached)', { cause: error })
        throw error
      }
      return reply === 'OK'
    },
  }
}
