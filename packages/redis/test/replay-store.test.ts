import { createHash } from 'node:crypto'
import { ReplayStoreFullError } from '@fapi-guard/core'
import { createRedisReplayStore, DEFAULT_REPLAY_PREFIX, RedisCommandTimeoutError, type RedisClient } from '@fapi-guard/redis'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, deletePrefix, describeWithRedis, scanPrefix, uniquePrefix } from './support/redis.js'

const hash = (value: string) => createHash('sha256').update(value).digest('base64url')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeWithRedis('createRedisReplayStore against Redis', () => {
  let redis: Redis
  const prefix = uniquePrefix('replay')
  beforeAll(async () => {
    redis = await connect()
  })
  afterAll(async () => {
    await deletePrefix(redis, prefix)
    redis.disconnect()
  })

  it('of 200 concurrent useOnce calls with one key, exactly one is true (F02, C22)', async () => {
    const store = createRedisReplayStore(redis, { prefix })
    // Two clients, so the calls also race across connections, not just down one pipeline.
    const other = await connect()
    const otherStore = createRedisReplayStore(other, { prefix })
    try {
      const key = hash('race')
      const expiresAt = Date.now() + 60_000
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? store : otherStore).useOnce(key, expiresAt)))
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(results.filter((first) => !first)).toHaveLength(199)
    } finally {
      other.disconnect()
    }
  })

  it('is one SET NX PXAT, never a read before the write', async () => {
    const monitor = await redis.duplicate().monitor()
    const commands: string[][] = []
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[1]?.startsWith(prefix) === true) commands.push(args)
    })
    try {
      const store = createRedisReplayStore(redis, { prefix })
      const key = hash('one-command')
      const expiresAt = Date.now() + 30_000
      expect(await store.useOnce(key, expiresAt)).toBe(true)
      expect(await store.useOnce(key, expiresAt)).toBe(false)
      await sleep(50)
      expect(commands).toEqual([
        ['set', `${prefix}${key}`, '1', 'PXAT', String(expiresAt), 'NX'],
        ['set', `${prefix}${key}`, '1', 'PXAT', String(expiresAt), 'NX'],
      ])
    } finally {
      monitor.disconnect()
    }
  })

  it('keeps the key until expiresAt (PXAT), then forgets it', async () => {
    const store = createRedisReplayStore(redis, { prefix })
    const key = hash('short-window')
    const expiresAt = Date.now() + 400
    expect(await store.useOnce(key, expiresAt)).toBe(true)
    expect(Number(await redis.pexpiretime(`${prefix}${key}`))).toBe(expiresAt)
    expect(await store.useOnce(key, expiresAt)).toBe(false)
    // F03: a replay just before the end of the window is still refused.
    await sleep(Math.max(0, expiresAt - Date.now() - 100))
    expect(await store.useOnce(key, expiresAt)).toBe(false)
    await sleep(Math.max(0, expiresAt - Date.now() + 50))
    expect(await redis.exists(`${prefix}${key}`)).toBe(0)
    expect(await store.useOnce(key, Date.now() + 400)).toBe(true)
  })

  it('rounds a fractional expiresAt up to the next millisecond', async () => {
    const store = createRedisReplayStore(redis, { prefix })
    const key = hash('fractional')
    const expiresAt = Date.now() + 10_000.25
    expect(await store.useOnce(key, expiresAt)).toBe(true)
    expect(Number(await redis.pexpiretime(`${prefix}${key}`))).toBe(Math.ceil(expiresAt))
  })

  it('stores exactly prefix + the key it is given, with value "1"', async () => {
    const own = uniquePrefix('replay-keys')
    const store = createRedisReplayStore(redis, { prefix: own })
    const keys = [hash('a'), hash('b'), hash('c')]
    for (const key of keys) await store.useOnce(key, Date.now() + 30_000)
    const stored = await scanPrefix(redis, own)
    expect(stored.sort()).toEqual(keys.map((key) => `${own}${key}`).sort())
    for (const key of stored) expect(await redis.get(key)).toBe('1')
    await deletePrefix(redis, own)
  })

  it('uses the default prefix fapi-guard:replay:', async () => {
    const store = createRedisReplayStore(redis)
    const key = hash(`default-prefix-${uniquePrefix('x')}`)
    expect(await store.useOnce(key, Date.now() + 5_000)).toBe(true)
    expect(DEFAULT_REPLAY_PREFIX).toBe('fapi-guard:replay:')
    expect(await redis.exists(`fapi-guard:replay:${key}`)).toBe(1)
    await redis.del(`fapi-guard:replay:${key}`)
  })
})

describe('createRedisReplayStore failure handling (no Redis needed)', () => {
  // A Redis whose maxmemory-policy is noeviction (the store reads it once before its first SET).
  const fake = (set: (...args: unknown[]) => Promise<unknown>) =>
    ({ isCluster: false, config: async () => ['maxmemory-policy', 'noeviction'], set, getBuffer: async () => null }) as unknown as RedisClient

  it('rejects (fails closed) when Redis answers an error', async () => {
    const errors: unknown[] = []
    const store = createRedisReplayStore(
      fake(async () => {
        throw new Error('ECONNREFUSED')
      }),
      { onError: (error) => errors.push(error) },
    )
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toThrow('ECONNREFUSED')
    expect(errors).toHaveLength(1)
  })

  it('rejects with RedisCommandTimeoutError when Redis does not answer within commandTimeout', async () => {
    const store = createRedisReplayStore(fake(() => new Promise(() => {})), { commandTimeout: 30 })
    const started = Date.now()
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toBeInstanceOf(RedisCommandTimeoutError)
    expect(Date.now() - started).toBeLessThan(500)
  })

  it('the default command timeout is 100 ms', async () => {
    const store = createRedisReplayStore(fake(() => new Promise(() => {})))
    const started = Date.now()
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toThrow(/within 100 ms/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(95)
  })

  it('a late error after the timeout is not left unhandled', async () => {
    const store = createRedisReplayStore(
      fake(
        () =>
          new Promise((_, reject) => {
            setTimeout(() => reject(new Error('late')), 40)
          }),
      ),
      { commandTimeout: 10 },
    )
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toBeInstanceOf(RedisCommandTimeoutError)
    await sleep(80)
  })

  it('Redis out of memory (noeviction) rejects with ReplayStoreFullError', async () => {
    const store = createRedisReplayStore(
      fake(async () => {
        throw new Error("OOM command not allowed when used memory > 'maxmemory'.")
      }),
    )
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toBeInstanceOf(ReplayStoreFullError)
  })

  it('a throwing onError does not change the rejection', async () => {
    const store = createRedisReplayStore(
      fake(async () => {
        throw new Error('down')
      }),
      {
        onError: () => {
          throw new Error('logger broke')
        },
      },
    )
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toThrow('down')
  })

  it('checks its options and arguments', async () => {
    const ok = fake(async () => 'OK')
    expect(() => createRedisReplayStore(undefined as unknown as RedisClient)).toThrow(/needs an ioredis client/)
    expect(() => createRedisReplayStore(ok, { prefix: 1 as unknown as string })).toThrow(/"prefix" must be a string/)
    expect(() => createRedisReplayStore(ok, { commandTimeout: 0 })).toThrow(/"commandTimeout"/)
    expect(() => createRedisReplayStore(ok, { commandTimeout: Number.POSITIVE_INFINITY })).toThrow(/"commandTimeout"/)
    expect(() => createRedisReplayStore(ok, { ttl: 5 } as never)).toThrow(/"ttl" is not a known option/)
    expect(() => createRedisReplayStore(ok, { onError: 'log' as never })).toThrow(/"onError" must be a function/)
    const store = createRedisReplayStore(ok)
    await expect(store.useOnce('', Date.now())).rejects.toBeInstanceOf(TypeError)
    await expect(store.useOnce('k', Number.NaN)).rejects.toBeInstanceOf(TypeError)
    await expect(store.useOnce('k', 0)).rejects.toBeInstanceOf(TypeError)
    expect(await store.useOnce('k', Date.now() + 1000)).toBe(true)
  })
})
