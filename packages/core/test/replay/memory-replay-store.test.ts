/**
 * The in-memory replay store (RFC 9449 §11.1) on its own, then through `guard.verify` on both entry
 * points: the eviction flood (attacks.md C20), concurrent submits (C22/F02), and the F rows about the
 * replay store (F01, F03, F05, F06, F07).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import type { GuardError } from '../../src/errors/guard-error.js'
import { createMemoryReplayStore, DEFAULT_REPLAY_CAPACITY } from '../../src/replay/memory-replay-store.js'
import { ReplayStoreFullError, type ReplayStore } from '../../src/replay/replay-store.js'
import { createGuard } from '../../src/node/index.js'
import { createClient, guardOptions, invalidProof, type Client } from '../support/dpop-kit.js'
import { TestClock, expectRefusal } from '../support/kit.js'

const T0 = 1_800_000_000_000

/** A clock in milliseconds, moved by hand. */
function manualClock(start = T0) {
  const clock = { ms: start, now: () => clock.ms }
  return clock
}

describe('createMemoryReplayStore', () => {
  it('marks a key used: true the first time, false every time after, while it lives', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ clock: clock.now })
    await expect(store.useOnce('k', T0 + 60_000)).resolves.toBe(true)
    await expect(store.useOnce('k', T0 + 60_000)).resolves.toBe(false)
    clock.ms += 59_000
    await expect(store.useOnce('k', T0 + 120_000)).resolves.toBe(false)
    await expect(store.useOnce('other', T0 + 60_000)).resolves.toBe(true)
  })

  it('F03 never forgets a key before expiresAt, and forgets it after (injected clock)', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ clock: clock.now })
    const expiresAt = T0 + 305_000
    await expect(store.useOnce('jti', expiresAt)).resolves.toBe(true)
    clock.ms = expiresAt - 1000
    await expect(store.useOnce('jti', expiresAt)).resolves.toBe(false)
    clock.ms = expiresAt
    await expect(store.useOnce('jti', expiresAt)).resolves.toBe(false)
    clock.ms = expiresAt + 1
    await expect(store.useOnce('jti', expiresAt + 305_000)).resolves.toBe(true)
  })

  it('F03 a key used in the very millisecond the store was created expires too', async () => {
    // lru-cache treats an entry whose start time is 0 as immortal; the store's clock must never read 0.
    const clock = manualClock()
    const store = createMemoryReplayStore({ clock: clock.now })
    await expect(store.useOnce('first', T0 + 1000)).resolves.toBe(true)
    clock.ms += 5000
    await expect(store.useOnce('first', clock.ms + 1000)).resolves.toBe(true)
  })

  it('expires keys with a clock that starts at 0', async () => {
    const clock = manualClock(0)
    const store = createMemoryReplayStore({ clock: clock.now })
    await expect(store.useOnce('k', 1000)).resolves.toBe(true)
    clock.ms = 1001
    await expect(store.useOnce('k', 2000)).resolves.toBe(true)
  })

  it('F05 when full of live keys it rejects with ReplayStoreFullError and never evicts a live key', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ capacity: 3, clock: clock.now })
    for (const key of ['a', 'b', 'c']) await expect(store.useOnce(key, T0 + 60_000)).resolves.toBe(true)
    await expect(store.useOnce('d', T0 + 60_000)).rejects.toBeInstanceOf(ReplayStoreFullError)
    clock.ms += 2000
    await expect(store.useOnce('e', T0 + 60_000)).rejects.toThrow(ReplayStoreFullError)
    // Every live key is still remembered, also the least recently used one.
    for (const key of ['a', 'b', 'c']) await expect(store.useOnce(key, T0 + 60_000)).resolves.toBe(false)
    const error = await store.useOnce('f', T0 + 60_000).catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).name).toBe('ReplayStoreFullError')
  })

  it('purges expired keys to make room once full', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ capacity: 3, clock: clock.now })
    await store.useOnce('short-1', T0 + 10_000)
    await store.useOnce('short-2', T0 + 10_000)
    await store.useOnce('long', T0 + 600_000)
    await expect(store.useOnce('new-1', T0 + 600_000)).rejects.toThrow(ReplayStoreFullError)
    clock.ms = T0 + 10_001
    await expect(store.useOnce('new-1', T0 + 600_000)).resolves.toBe(true)
    await expect(store.useOnce('new-2', T0 + 600_000)).resolves.toBe(true)
    await expect(store.useOnce('new-3', T0 + 600_000)).rejects.toThrow(ReplayStoreFullError)
    await expect(store.useOnce('long', T0 + 600_000)).resolves.toBe(false)
  })

  it('keeps refusing a used key even while the store is full', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ capacity: 1, clock: clock.now })
    await store.useOnce('only', T0 + 60_000)
    await expect(store.useOnce('only', T0 + 60_000)).resolves.toBe(false)
  })

  it('an expiresAt already past still marks the key for at least a moment', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ clock: clock.now })
    await expect(store.useOnce('late', T0 - 1000)).resolves.toBe(true)
    await expect(store.useOnce('late', T0 - 1000)).resolves.toBe(false)
  })

  it('of concurrent calls with one key, exactly one resolves true', async () => {
    const store = createMemoryReplayStore({ clock: manualClock().now })
    const results = await Promise.all(Array.from({ length: 20 }, () => store.useOnce('same', T0 + 60_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('checks capacity: a positive integer, 1 000 000 by default', () => {
    expect(DEFAULT_REPLAY_CAPACITY).toBe(1_000_000)
    for (const capacity of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createMemoryReplayStore({ capacity })).toThrow(TypeError)
    }
    expect(() => createMemoryReplayStore()).not.toThrow()
  })

  it('takes memory as entries arrive, not for its whole capacity up front', async () => {
    // Ten default stores (10 × 1 000 000 slots): allocated up front, that would be ~440 MB.
    const before = process.memoryUsage()
    const stores = Array.from({ length: 10 }, () => createMemoryReplayStore())
    const after = process.memoryUsage()
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)
    expect(grown).toBeLessThan(20 * 1024 * 1024)
    await expect(stores[9]?.useOnce('k', Date.now() + 1000)).resolves.toBe(true)
  })
})

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

/** A replay store that records what it is asked, around another store. */
function recordingStore(inner: ReplayStore) {
  const calls: Array<{ key: string; expiresAt: number }> = []
  const store: ReplayStore = {
    useOnce(key, expiresAt) {
      calls.push({ key, expiresAt })
      return inner.useOnce(key, expiresAt)
    },
  }
  return { store, calls }
}

describe('the replay store through guard.verify', () => {
  it('C20 a flood of distinct proofs cannot evict a captured one: full → 503, the replay still refused, room again after the window', async () => {
    const N = 50
    const clock = new TestClock()
    const store = createMemoryReplayStore({ capacity: N, clock: clock.now })
    const guard = createGuard(guardOptions(issuer, clock, { dpop: { replayStore: store } }))
    const victim = await createClient(issuer, clock)
    const attacker = await createClient(issuer, clock)

    const captured = await victim.request()
    await expect(guard.verify(captured)).resolves.toBeDefined()

    const outcomes: Array<'ok' | GuardError> = []
    for (let i = 0; i < N; i++) {
      outcomes.push(await guard.verify(await attacker.request()).then(() => 'ok' as const, (error: GuardError) => error))
    }
    expect(outcomes.slice(0, N - 1).every((outcome) => outcome === 'ok')).toBe(true)
    const full = outcomes[N - 1] as GuardError
    expect({ status: full.status, error: full.error, code: full.code }).toEqual({
      status: 503,
      error: 'temporarily_unavailable',
      code: 'ERR_REPLAY_STORE_FULL',
    })
    expect(full.headers['retry-after']).toBe('5')

    // The captured proof is still inside its window, and still remembered.
    await expectRefusal(guard.verify(captured), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
    await expectRefusal(guard.verify(await victim.request()), { status: 503, error: 'temporarily_unavailable', code: 'ERR_REPLAY_STORE_FULL' })

    // Past the window (300 s + 5 s leeway), the old entries make room; the captured proof is too old.
    clock.advance(306)
    await expect(guard.verify(await victim.request())).resolves.toBeDefined()
    await expect(guard.verify(await attacker.request())).resolves.toBeDefined()
    await expectRefusal(guard.verify(captured), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
  })

  it('C22 concurrent double submit of one proof to one guard: exactly one success', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(issuer, clock))
    const client = await createClient(issuer, clock)
    const request = await client.request()
    const results = await Promise.allSettled([guard.verify(request), guard.verify(request)])
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    expect((rejected?.reason as GuardError).code).toBe('ERR_DPOP_PROOF_REPLAYED')
  })

  it('F02 ten concurrent submits of one proof through the memory store: exactly one 2xx', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(issuer, clock, { dpop: { replayStore: createMemoryReplayStore({ clock: clock.now }) } }))
    const client = await createClient(issuer, clock)
    const request = await client.request()
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => guard.verify(request)))
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
  })

  it('F01 a replay store that fails fails closed: 503, never a pass', async () => {
    const clock = new TestClock()
    const failing: ReplayStore = {
      useOnce: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })),
    }
    const guard = createGuard(guardOptions(issuer, clock, { dpop: { replayStore: failing } }))
    const client = await createClient(issuer, clock)
    const error = await expectRefusal(guard.verify(await client.request()), { status: 503, error: 'temporarily_unavailable', code: 'ERR_REPLAY_STORE_UNAVAILABLE' })
    expect(error.description).not.toContain('6379')
    const throwing: ReplayStore = {
      useOnce: () => {
        throw new TypeError('boom')
      },
    }
    const guard2 = createGuard(guardOptions(issuer, clock, { dpop: { replayStore: throwing } }))
    await expectRefusal(guard2.verify(await client.request()), { status: 503, error: 'temporarily_unavailable', code: 'ERR_REPLAY_STORE_UNAVAILABLE' })
    const full: ReplayStore = { useOnce: () => Promise.reject(new ReplayStoreFullError('full')) }
    const guard3 = createGuard(guardOptions(issuer, clock, { dpop: { replayStore: full } }))
    await expectRefusal(guard3.verify(await client.request()), { status: 503, error: 'temporarily_unavailable', code: 'ERR_REPLAY_STORE_FULL' })
  })

  it('F03 the store keeps a jti at least for the whole acceptance window: a replay at window − 1 s is refused', async () => {
    const clock = new TestClock()
    const { store, calls } = recordingStore(createMemoryReplayStore({ clock: clock.now }))
    const guard = createGuard(guardOptions(issuer, clock, { dpop: { replayStore: store } }))
    const client: Client = await createClient(issuer, clock)
    const iat = clock.seconds + 10
    const request = await client.request({ iat })
    await expect(guard.verify(request)).resolves.toBeDefined()
    // Accepted while iat ≥ now − 300 − 5: the store must remember it until then.
    expect(calls[0]?.expiresAt).toBeGreaterThanOrEqual((iat + 305) * 1000)
    clock.ms = (iat + 305) * 1000 - 1000
    await expectRefusal(guard.verify(request), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
    clock.ms = (iat + 305) * 1000
    await expectRefusal(guard.verify(request), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
    clock.ms = (iat + 306) * 1000
    await expectRefusal(guard.verify(request), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
  })

  it('F06 the wall clock stepping back and forth 5 min: every check uses the one injected clock, nothing crashes', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(issuer, clock))
    clock.advance(-600)
    const client = await createClient(issuer, clock) // token issued 10 min ago, valid for an hour
    clock.advance(600)
    const request = await client.request()
    await expect(guard.verify(request)).resolves.toBeDefined()
    clock.advance(-300)
    await expectRefusal(guard.verify(request), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
    await expect(guard.verify(await client.request())).resolves.toBeDefined()
    clock.advance(300)
    await expectRefusal(guard.verify(request), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
    await expect(guard.verify(await client.request())).resolves.toBeDefined()
  })

  it('F07 the store is keyed by a SHA-256 hash, never by the raw jti (spaces, newlines, *)', async () => {
    const clock = new TestClock()
    const { store, calls } = recordingStore(createMemoryReplayStore({ clock: clock.now }))
    const guard = createGuard(guardOptions(issuer, clock, { dpop: { replayStore: store } }))
    const client = await createClient(issuer, clock)
    for (const jti of ['KEYS *', 'a\r\nFLUSHALL\r\n', ' spaced jti ', 'x'.repeat(512)]) {
      await expect(guard.verify(await client.request({ jti }))).resolves.toBeDefined()
    }
    expect(calls).toHaveLength(4)
    for (const { key } of calls) expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(new Set(calls.map((call) => call.key)).size).toBe(4)
  })
})
