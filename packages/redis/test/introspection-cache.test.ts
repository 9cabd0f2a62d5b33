import { randomBytes } from 'node:crypto'
import { createGuard, isGuardError, type Guard, type GuardOptions, type RequestLike } from '@fapi-guard/core'
import { createRedisIntrospectionCache, DEFAULT_INTROSPECTION_PREFIX, type RedisClient, type RedisIntrospectionCacheOptions } from '@fapi-guard/redis'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, deletePrefix, describeWithRedis, freePort, scanPrefix, uniquePrefix } from './support/redis.js'

const CLIENT = { clientId: 'rs-client', clientSecret: 'rs-secret-0123456789' }
const URL_ = 'https://api.example.test/accounts'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const bearer = (token: string): RequestLike => ({ method: 'GET', url: URL_, headers: { authorization: `Bearer ${token}` } })

describeWithRedis('createRedisIntrospectionCache against Redis', () => {
  let issuer: LocalIssuer
  let redis: Redis
  let other: Redis
  const encryptionKey = randomBytes(32)
  const prefixes: string[] = []
  const freshPrefix = () => {
    const prefix = uniquePrefix('introspection')
    prefixes.push(prefix)
    return prefix
  }
  const guardWith = (client: RedisClient, cache: RedisIntrospectionCacheOptions, extra: Partial<GuardOptions> = {}): Guard =>
    createGuard({
      issuer: issuer.issuer,
      audience: issuer.audience,
      profile: 'oauth2',
      introspection: {
        endpoint: issuer.introspectionEndpoint,
        ...CLIENT,
        cache: { store: createRedisIntrospectionCache(client, cache), ttl: 60 },
      },
      ...extra,
    })

  beforeAll(async () => {
    issuer = await createLocalIssuer({ introspectionClient: CLIENT })
    redis = await connect()
    other = await connect()
  })
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(redis, prefix)
    redis.disconnect()
    other.disconnect()
    await issuer.close()
  })

  it('one introspection call serves two guards sharing Redis', async () => {
    const prefix = freshPrefix()
    const first = guardWith(redis, { prefix, encryptionKey })
    const second = guardWith(other, { prefix, encryptionKey })
    const token = issuer.issueOpaque({ scope: 'accounts:read' })
    const before = issuer.introspections.length
    const a = await first.verify(bearer(token))
    const b = await second.verify(bearer(token))
    expect(issuer.introspections.length - before).toBe(1)
    for (const auth of [a, b]) expect(auth).toMatchObject({ source: 'introspection', subject: 'user-1', scopes: ['accounts:read'] })
  })

  it('stores only ciphertext: no sub, no claims, no token in Redis; a fresh IV per value', async () => {
    const prefix = freshPrefix()
    const guard = guardWith(redis, { prefix, encryptionKey })
    const token = issuer.issueOpaque({ sub: 'alice@example.test', scope: 'accounts:read' })
    await guard.verify(bearer(token))
    const keys = await scanPrefix(redis, prefix)
    expect(keys).toHaveLength(1)
    const key = keys[0] as string
    expect(key).toMatch(/:[A-Za-z0-9_-]{43}$/)
    expect(key).not.toContain(token)
    const raw = (await redis.getBuffer(key)) as Buffer
    const latin1 = raw.toString('latin1')
    for (const plaintext of ['alice', 'sub', 'active', 'scope', 'accounts:read', token, issuer.issuer]) expect(latin1).not.toContain(plaintext)
    expect(raw[0]).toBe(0x01)
    expect(raw.length).toBeGreaterThanOrEqual(2 + 12 + 16)

    const store = createRedisIntrospectionCache(redis, { prefix, encryptionKey })
    await store.set('same', { active: true, sub: 'x' }, 10_000)
    const one = (await redis.getBuffer(`${prefix}same`)) as Buffer
    await store.set('same', { active: true, sub: 'x' }, 10_000)
    const two = (await redis.getBuffer(`${prefix}same`)) as Buffer
    expect(one.subarray(2, 14).equals(two.subarray(2, 14))).toBe(false)
    expect(await store.get('same')).toEqual({ active: true, sub: 'x' })
  })

  it('a tampered ciphertext is a miss: the guard asks the issuer again', async () => {
    const prefix = freshPrefix()
    const guard = guardWith(redis, { prefix, encryptionKey })
    const token = issuer.issueOpaque()
    await guard.verify(bearer(token))
    const [key] = await scanPrefix(redis, prefix)
    const raw = (await redis.getBuffer(key as string)) as Buffer
    for (const at of [1, 5, 20, raw.length - 1]) {
      const tampered = Buffer.from(raw)
      tampered[at] = (tampered[at] as number) ^ 0x01
      await redis.set(key as string, tampered, 'KEEPTTL')
      const before = issuer.introspections.length
      await expect(guard.verify(bearer(token))).resolves.toMatchObject({ subject: 'user-1' })
      expect(issuer.introspections.length - before).toBe(1)
      // The guard wrote a good value back; tamper with that one next.
    }
    await redis.set(key as string, raw.subarray(0, 20), 'KEEPTTL')
    const store = createRedisIntrospectionCache(redis, { prefix, encryptionKey })
    expect(await store.get(key!.slice(prefix.length))).toBeUndefined()
  })

  it('a value copied under another token’s key does not decrypt (the Redis key is authenticated)', async () => {
    const prefix = freshPrefix()
    const store = createRedisIntrospectionCache(redis, { prefix, encryptionKey })
    await store.set('admin-token-hash', { active: true, sub: 'admin', scope: 'admin' }, 10_000)
    await redis.copy(`${prefix}admin-token-hash`, `${prefix}attacker-token-hash`)
    expect(await store.get('admin-token-hash')).toMatchObject({ sub: 'admin' })
    expect(await store.get('attacker-token-hash')).toBeUndefined()
  })

  it('another key, a plaintext value, garbage, or a wrong format byte is a miss; a rotated-out key still reads', async () => {
    const prefix = freshPrefix()
    const oldKey = randomBytes(32)
    const newKey = randomBytes(32)
    const old = createRedisIntrospectionCache(redis, { prefix, encryptionKey: oldKey })
    await old.set('k', { active: true, sub: 'old' }, 10_000)
    expect(await createRedisIntrospectionCache(redis, { prefix, encryptionKey: newKey }).get('k')).toBeUndefined()
    const rotating = createRedisIntrospectionCache(redis, { prefix, encryptionKey: [newKey, oldKey] })
    expect(await rotating.get('k')).toEqual({ active: true, sub: 'old' })
    await rotating.set('k2', { active: true, sub: 'new' }, 10_000)
    expect(await old.get('k2')).toBeUndefined()
    expect(await createRedisIntrospectionCache(redis, { prefix, encryptionKey: newKey }).get('k2')).toEqual({ active: true, sub: 'new' })

    const expiresAt = Date.now() + 10_000
    await redis.set(`${prefix}plain`, JSON.stringify({ expiresAt, response: { active: true, sub: 'forged' } }), 'PX', 10_000)
    expect(await old.get('plain')).toBeUndefined()
    await redis.set(`${prefix}junk`, randomBytes(64), 'PX', 10_000)
    expect(await old.get('junk')).toBeUndefined()
    const good = (await redis.getBuffer(`${prefix}k`)) as Buffer
    await redis.set(`${prefix}v2`, Buffer.concat([Buffer.from([0x02]), good.subarray(1)]), 'PX', 10_000)
    expect(await old.get('v2')).toBeUndefined()
  })

  it('without encryptionKey values are JSON; anything that does not parse as an entry is a miss', async () => {
    const prefix = freshPrefix()
    const store = createRedisIntrospectionCache(redis, { prefix })
    await store.set('k', { active: true, sub: 'u' }, 10_000)
    const stored = JSON.parse((await redis.get(`${prefix}k`)) as string)
    expect(stored).toMatchObject({ response: { active: true, sub: 'u' } })
    expect(await store.get('k')).toEqual({ active: true, sub: 'u' })
    for (const junk of ['not json', '[]', '{"response":{}}', '{"expiresAt":1,"response":{"active":true}}', `{"expiresAt":${Date.now() + 9000},"response":[1]}`]) {
      await redis.set(`${prefix}junk`, junk, 'PX', 10_000)
      expect(await store.get('junk')).toBeUndefined()
    }
    expect(await store.get('absent')).toBeUndefined()
  })

  it('respects the TTL: PX ttlMs in Redis, the expiry sealed in the value, and a new call once it passed', async () => {
    const prefix = freshPrefix()
    const guard = createGuard({
      issuer: issuer.issuer,
      audience: issuer.audience,
      profile: 'oauth2',
      introspection: { endpoint: issuer.introspectionEndpoint, ...CLIENT, cache: { store: createRedisIntrospectionCache(redis, { prefix, encryptionKey }), ttl: 0.5 } },
    })
    const token = issuer.issueOpaque()
    const before = issuer.introspections.length
    await guard.verify(bearer(token))
    const [key] = await scanPrefix(redis, prefix)
    const pttl = await redis.pttl(key as string)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(500)
    await guard.verify(bearer(token))
    expect(issuer.introspections.length - before).toBe(1)
    await sleep(600)
    expect(await redis.exists(key as string)).toBe(0)
    await guard.verify(bearer(token))
    expect(issuer.introspections.length - before).toBe(2)

    // A value whose Redis TTL was removed (PERSIST) still expires: the expiry inside it is checked.
    let now = Date.now()
    const store = createRedisIntrospectionCache(redis, { prefix, encryptionKey, clock: () => now })
    await store.set('persisted', { active: true }, 1000)
    await redis.persist(`${prefix}persisted`)
    expect(await store.get('persisted')).toEqual({ active: true })
    now += 1000
    expect(await store.get('persisted')).toBeUndefined()
    // A TTL under one millisecond is not stored.
    await store.set('tiny', { active: true }, 0.5)
    expect(await redis.exists(`${prefix}tiny`)).toBe(0)
  })

  it('caches inactive answers for negativeTtl, then asks again', async () => {
    const prefix = freshPrefix()
    const guard = createGuard({
      issuer: issuer.issuer,
      audience: issuer.audience,
      profile: 'oauth2',
      introspection: { endpoint: issuer.introspectionEndpoint, ...CLIENT, cache: { store: createRedisIntrospectionCache(redis, { prefix, encryptionKey }), negativeTtl: 5 } },
    })
    const token = issuer.issueOpaque()
    issuer.revoke(token)
    const before = issuer.introspections.length
    for (let i = 0; i < 2; i++) await expect(guard.verify(bearer(token))).rejects.toMatchObject({ status: 401, error: 'invalid_token' })
    expect(issuer.introspections.length - before).toBe(1)
    const [key] = await scanPrefix(redis, prefix)
    expect(await redis.pttl(key as string)).toBeLessThanOrEqual(5000)
  })

  it('uses the default prefix fapi-guard:introspection:', async () => {
    const store = createRedisIntrospectionCache(redis)
    const key = `default-${uniquePrefix('x')}`
    await store.set(key, { active: true }, 5000)
    expect(DEFAULT_INTROSPECTION_PREFIX).toBe('fapi-guard:introspection:')
    expect(await redis.exists(`fapi-guard:introspection:${key}`)).toBe(1)
    await redis.del(`fapi-guard:introspection:${key}`)
  })

  it('Redis down: the cache is a miss, the issuer is asked (never allowed on a cache failure); issuer also down → 503', async () => {
    const down = new Redis({ port: await freePort(), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    down.on('error', () => {})
    down.connect().catch(() => {})
    const errors: string[] = []
    try {
      const guard = guardWith(down, { encryptionKey, onError: (_error, operation) => errors.push(operation) })
      const token = issuer.issueOpaque()
      const before = issuer.introspections.length
      await expect(guard.verify(bearer(token))).resolves.toMatchObject({ subject: 'user-1' })
      await expect(guard.verify(bearer(token))).resolves.toMatchObject({ subject: 'user-1' })
      expect(issuer.introspections.length - before).toBe(2)
      expect(errors).toEqual(['get', 'set', 'get', 'set'])
      issuer.down = true
      try {
        const refused = await guard.verify(bearer(token)).catch((error: unknown) => error)
        expect(isGuardError(refused) && [refused.status, refused.code]).toEqual([503, 'ERR_INTROSPECTION_UNAVAILABLE'])
      } finally {
        issuer.down = false
      }
    } finally {
      down.disconnect()
    }
  })
})

describe('createRedisIntrospectionCache failure handling and options (no Redis needed)', () => {
  const hung = { set: () => new Promise(() => {}), getBuffer: () => new Promise(() => {}) } as unknown as RedisClient
  const broken = {
    set: async () => {
      throw new Error('READONLY')
    },
    getBuffer: async () => {
      throw new Error('ECONNRESET')
    },
  } as unknown as RedisClient

  it('a hung Redis: get is a miss and set is skipped after commandTimeout', async () => {
    const errors: unknown[] = []
    const store = createRedisIntrospectionCache(hung, { commandTimeout: 30, onError: (error) => errors.push(error) })
    const started = Date.now()
    expect(await store.get('k')).toBeUndefined()
    await store.set('k', { active: true }, 1000)
    expect(Date.now() - started).toBeLessThan(500)
    expect(errors).toHaveLength(2)
  })

  it('a failing Redis: get is a miss, set resolves, onError hears about both (a throwing onError changes nothing)', async () => {
    const seen: string[] = []
    const store = createRedisIntrospectionCache(broken, {
      onError: (error, operation) => {
        seen.push(`${operation}:${(error as Error).message}`)
        throw new Error('logger broke')
      },
    })
    expect(await store.get('k')).toBeUndefined()
    await expect(store.set('k', { active: true }, 1000)).resolves.toBeUndefined()
    expect(seen).toEqual(['get:ECONNRESET', 'set:READONLY'])
  })

  it('checks its options', () => {
    expect(() => createRedisIntrospectionCache(null as unknown as RedisClient)).toThrow(/needs an ioredis client/)
    expect(() => createRedisIntrospectionCache(hung, { encryptionKey: randomBytes(16) })).toThrow(/"encryptionKey" must be 32 bytes/)
    expect(() => createRedisIntrospectionCache(hung, { encryptionKey: 'x'.repeat(32) as unknown as Uint8Array })).toThrow(/"encryptionKey"/)
    expect(() => createRedisIntrospectionCache(hung, { encryptionKey: [] })).toThrow(/must not be an empty list/)
    expect(() => createRedisIntrospectionCache(hung, { commandTimeout: -1 })).toThrow(/"commandTimeout"/)
    expect(() => createRedisIntrospectionCache(hung, { clock: 5 as never })).toThrow(/"clock" must be a function/)
    expect(() => createRedisIntrospectionCache(hung, { ttl: 5 } as never)).toThrow(/"ttl" is not a known option/)
    expect(() => createRedisIntrospectionCache(hung, { encryptionKey: new Uint8Array(32) })).not.toThrow()
  })
})
