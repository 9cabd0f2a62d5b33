/**
 * lru-cache's `perf` from an injectable clock (milliseconds). lru-cache reads an entry whose start
 * time is 0 as immortal, so this clock starts at 1 and, should the wall clock step back before its
 * creation, stays at 1 (entries then live longer, never shorter).
 */
export function lruClock(clock: () => number): { now(): number } {
  const origin = clock() - 1
  return { now: () => Math.max(1, clock() - origin) }
}
