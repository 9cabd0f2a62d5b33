import { LRUCache } from 'lru-cache'
import { answersInProcess } from '../lib/bounded.js'
import { lruClock } from '../lib/lru-clock.js'
import { ReplayStoreFullError, type ReplayStore } from './replay-store.js'

/** Options of `createMemoryReplayStore`. */
export interface MemoryReplayStoreOptions {
  /** Most live entries kept; beyond that new proofs are refused (503). Default 1 000 000 (~150 bytes each). */
  capacity?: number
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number
}

export const DEFAULT_REPLAY_CAPACITY = 1_000_000

/**
 * An in-process `ReplayStore` (lru-cache). It never evicts an entry before it expires: when every slot
 * holds a live entry, `useOnce` rejects with `ReplayStoreFullError`, so a flood of distinct proofs
 * cannot push out a captured one (RFC 9449 §11.1). For several instances use `@fapi-guard/redis`.
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const capacity = options.capacity ?? DEFAULT_REPLAY_CAPACITY
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('fapi-guard: replay store "capacity" must be a positive integer')
  const clock = options.clock ?? Date.now
  // Bounded by `maxSize` (each entry size 1), not `max`: with `max`, lru-cache allocates its arrays for
  // every slot up front (~44 MB and ~130 ms for the default capacity, in every guard, DPoP traffic or
  // not); this way memory follows the live entries (~170 bytes each). The check below keeps it from
  // ever evicting.
  const cache = new LRUCache<string, true>({ maxSize: capacity, ttlAutopurge: false, ttlResolution: 0, perf: lruClock(clock) })
  let lastPurge = Number.NEGATIVE_INFINITY
  return answersInProcess<ReplayStore>({
    async useOnce(key, expiresAt) {
      const now = clock()
      if (cache.has(key)) return false
      if (cache.size >= capacity) {
        // Stale entries are dropped lazily; a full scan at most once per second keeps a flood cheap.
        if (now - lastPurge >= 1000) {
          cache.purgeStale()
          lastPurge = now
        }
        if (cache.size >= capacity) throw new ReplayStoreFullError('the replay store is full of live entries')
      }
      cache.set(key, true, { ttl: Math.max(1, expiresAt - now), size: 1 })
      return true
    },
  })
}
