import { ReplayStoreFullError, type ReplayStore } from '@fapi-guard/core'
import { readEvictionPolicy, RedisEvictionPolicyError, SAFE_POLICY } from './eviction-policy.js'
import { checkCommon, checkFunction, fail, withTimeout, type RedisClient } from './shared.js'

/** Options of `createRedisReplayStore`. */
export interface RedisReplayStoreOptions {
  /** Put before every key the guard passes (a SHA-256 hash, never the raw `jti`). Default `fapi-guard:replay:`. */
  prefix?: string
  /**
   * Milliseconds one `SET` (and the one-time `CONFIG GET maxmemory-policy`) may take; past that
   * `useOnce` rejects and the guard refuses the request with 503 `ERR_REPLAY_STORE_UNAVAILABLE`.
   * Applied per call by the store, independent of the client's own `commandTimeout`. Default 100.
   */
  commandTimeout?: number
  /** Told about every Redis failure (error or timeout) before `useOnce` rejects; for logs and metrics. */
  onError?: (error: unknown) => void
  /**
   * Run on a Redis whose `maxmemory-policy` may evict keys (`allkeys-*`, `volatile-*`). Under memory
   * pressure such a Redis can drop a live replay key, and the proof is then accepted a second time.
   * Without this option the store refuses every request (503) until the policy is `noeviction`;
   * with it, the store warns once and runs. Default `false`.
   */
  allowEvictingPolicy?: boolean
}

export const DEFAULT_REPLAY_PREFIX = 'fapi-guard:replay:'
const FACTORY = 'createRedisReplayStore'
const OPTIONS = ['prefix', 'commandTimeout', 'onError', 'allowEvictingPolicy']
/** `process.emitWarning` codes, one warning of each per store at most. */
const WARNING_EVICTING = 'FAPI_GUARD_REDIS_EVICTING_POLICY'
const WARNING_UNKNOWN = 'FAPI_GUARD_REDIS_POLICY_UNKNOWN'

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
 *
 * Before its first `SET` it reads `maxmemory-policy` (`CONFIG GET`, every primary of a Cluster): any
 * policy but `noeviction` can drop live keys, so `useOnce` rejects with `RedisEvictionPolicyError`
 * (asking again on every call, so fixing the policy needs no restart) unless `allowEvictingPolicy`
 * is set. When Redis refuses `CONFIG` (managed Redis, ACLs) it warns once and runs. Does not notice a
 * policy changed after a successful check.
 */
export function createRedisReplayStore(redis: RedisClient, options: RedisReplayStoreOptions = {}): ReplayStore {
  const { prefix, timeoutMs } = checkCommon(FACTORY, redis, options, OPTIONS, DEFAULT_REPLAY_PREFIX)
  const onError = checkFunction<(error: unknown) => void>(FACTORY, 'onError', options.onError)
  const allowEvicting = options.allowEvictingPolicy ?? false
  if (typeof allowEvicting !== 'boolean') fail(FACTORY, 'allowEvictingPolicy', 'must be a boolean')

  const warned = new Set<string>()
  const warnOnce = (code: string, message: string) => {
    if (warned.has(code)) return
    warned.add(code)
    process.emitWarning(`fapi-guard: ${message}`, { type: 'FapiGuardWarning', code })
  }
  let policyChecked = false
  let checking: Promise<void> | undefined
  const checkPolicy = async (): Promise<void> => {
    const reading = await readEvictionPolicy(redis, timeoutMs)
    if ('unknown' in reading) {
      if (!allowEvicting) {
        warnOnce(
          WARNING_UNKNOWN,
          `${FACTORY} could not read Redis maxmemory-policy (${reading.unknown}); make sure it is "${SAFE_POLICY}", ` +
            'or an evicting policy can drop live DPoP replay keys and let a used proof be accepted again',
        )
      }
      policyChecked = true
      return
    }
    const evicting = reading.policies.find((policy) => policy !== SAFE_POLICY)
    if (evicting !== undefined) {
      const error = new RedisEvictionPolicyError(evicting)
      if (!allowEvicting) {
        warnOnce(WARNING_EVICTING, `${error.message}; until then every DPoP request is refused (503)`)
        throw error
      }
      warnOnce(WARNING_EVICTING, `Redis maxmemory-policy is "${evicting}" (allowEvictingPolicy is set): under memory pressure live DPoP replay keys can be evicted and a used proof accepted again`)
    }
    policyChecked = true
  }
  const ensurePolicy = async (): Promise<void> => {
    if (policyChecked) return
    // One check at a time, shared by the calls that arrive meanwhile; a failed check is tried again on the next call.
    checking ??= checkPolicy().finally(() => {
      checking = undefined
    })
    await checking
  }

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
        await ensurePolicy()
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
