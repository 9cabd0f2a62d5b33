import { LRUCache } from 'lru-cache'
import { answersInProcess } from '../lib/bounded.js'
import { lruClock } from '../lib/lru-clock.js'

/**
 * Where introspection results are kept between requests. Keys are SHA-256 hashes of the token, never
 * the token. Values are the introspection response members (personal data: encrypt them at rest in a
 * shared store, as `@fapi-guard/redis` can).
 */
export interface IntrospectionCacheStore {
  get(key: string): Promise<Record<string, unknown> | undefined>
  set(key: string, response: Record<string, unknown>, ttlMs: number): Promise<void>
}

/** Options of `createMemoryIntrospectionCache`. */
export interface MemoryIntrospectionCacheOptions {
  /** Most entries kept (least recently used go first). Default 10 000. */
  max?: number
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number
}

export const DEFAULT_INTROSPECTION_CACHE_MAX = 10_000
/** Seconds an active answer is kept (`introspection.cache.ttl`; never past the token's `exp`). */
export const DEFAULT_INTROSPECTION_TTL = 60
/** Seconds an inactive answer is kept (`introspection.cache.negativeTtl`). */
export const DEFAULT_INTROSPECTION_NEGATIVE_TTL = 10

/** The in-process introspection cache (lru-cache, a TTL per entry). */
export function createMemoryIntrospectionCache(options: MemoryIntrospectionCacheOptions = {}): IntrospectionCacheStore {
  const max = options.max ?? DEFAULT_INTROSPECTION_CACHE_MAX
  if (!Number.isInteger(max) || max < 1) throw new TypeError('fapi-guard: introspection cache "max" must be a positive integer')
  const clock = options.clock ?? Date.now
  const cache = new LRUCache<string, Record<string, unknown>>({ max, ttlResolution: 0, perf: lruClock(clock) })
  return answersInProcess<IntrospectionCacheStore>({
    async get(key) {
      return cache.get(key)
    },
    async set(key, response, ttlMs) {
      if (ttlMs > 0) cache.set(key, response, { ttl: ttlMs })
    },
  })
}
