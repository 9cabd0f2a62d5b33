import { createHash } from 'node:crypto'
import { createGuard, isGuardError } from '@fapi-guard/core'
import { createRedisReplayStore, RedisCommandTimeoutError, RedisEvictionPolicyError, type RedisClient } from '@fapi-guard/redis'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { connect, describeWithRedis, freePort, ownRedis, scanPrefix, uniquePrefix, type OwnRedis } from './support/redis.js'

// Issue 17: a replay store on a Redis that may evict keys with a TTL can forget a live proof and accept
// its replay. The store reads maxmemory-policy before its first SET. These tests change the policy and
// ACLs, so they run on a redis-server of their own, never on the shared one.

const hash = (value: string) => createHash('sha256').update(value).digest('base64url')
const EVICTING = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']
const PUBLIC_URL = 'https://api.example.test'

/** A throwaway redis-server on a free port; a port taken between the probe and the start is retried. */
async function startOwnRedis(extraArgs: readonly string[] = []): Promise<OwnRedis> {
  for (let attempt = 1; ; attempt++) {
    const server = ownRedis(await freePort(), extraArgs)
    try {
      await server.start()
      return server
    } catch (error) {
      await server.stop()
      if (attempt === 3) throw error
    }
  }
}

/** The `process.emitWarning` calls made with one of the store's codes. */
function spyWarnings() {
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
  const codes = () =>
    spy.mock.calls.map(([message, options]) => ({ message: String(message), code: (options as { code?: string } | undefined)?.code })).filter((w) => w.code?.startsWith('FAPI_GUARD_REDIS_'))
  return { codes, restore: () => spy.mockRestore() }
}

describeWithRedis(
  'createRedisReplayStore checks maxmemory-policy (own redis-server)',
  () => {
    let server: OwnRedis
    let admin: Redis
    let issuer: LocalIssuer
    let key: DPoPKey
    const prefix = uniquePrefix('policy')

    beforeAll(async () => {
      server = await startOwnRedis()
      admin = await connect(server.url)
      issuer = await createLocalIssuer()
      key = await createDPoPKey('ES256')
    }, 30_000)
    afterEach(async () => {
      await admin.config('SET', 'maxmemory-policy', 'noeviction')
      vi.restoreAllMocks()
    })
    afterAll(async () => {
      admin?.disconnect()
      await server?.stop()
      await issuer?.close()
    })

    it('refuses every allkeys-* and volatile-* policy, naming it and the opt-in, even with maxmemory 0; writes nothing', async () => {
      expect(await admin.config('GET', 'maxmemory')).toEqual(['maxmemory', '0'])
      const warnings = spyWarnings()
      for (const policy of EVICTING) {
        await admin.config('SET', 'maxmemory-policy', policy)
        const errors: unknown[] = []
        const store = createRedisReplayStore(admin, { prefix, onError: (error) => errors.push(error) })
        const refused = await store.useOnce(hash(policy), Date.now() + 30_000).catch((error: unknown) => error)
        expect(refused).toBeInstanceOf(RedisEvictionPolicyError)
        expect((refused as RedisEvictionPolicyError).policy).toBe(policy)
        expect((refused as Error).message).toContain(`maxmemory-policy is "${policy}"`)
        expect((refused as Error).message).toContain('allowEvictingPolicy: true')
        expect(errors).toEqual([refused])
        // Refused on every call, warned about once per store.
        await expect(store.useOnce(hash(`${policy}-again`), Date.now() + 30_000)).rejects.toBeInstanceOf(RedisEvictionPolicyError)
      }
      expect(await scanPrefix(admin, prefix)).toEqual([])
      expect(warnings.codes().map((w) => w.code)).toEqual(EVICTING.map(() => 'FAPI_GUARD_REDIS_EVICTING_POLICY'))
      expect(warnings.codes()[0]?.message).toContain('"allkeys-lru"')
    })

    it('the guard answers 503 ERR_REPLAY_STORE_UNAVAILABLE; after CONFIG SET maxmemory-policy noeviction the same store accepts', async () => {
      spyWarnings()
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
      const core = createGuard({ issuer: issuer.issuer, audience: issuer.audience, dpop: { replayStore: createRedisReplayStore(admin, { prefix }) } })
      const url = `${PUBLIC_URL}/accounts`
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const request = async () => ({
        method: 'GET',
        url,
        headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }) },
      })
      const refused = await core.verify(await request()).catch((error: unknown) => error)
      expect(isGuardError(refused) && [refused.status, refused.error, refused.code]).toEqual([503, 'temporarily_unavailable', 'ERR_REPLAY_STORE_UNAVAILABLE'])
      // No restart needed: a refused check is asked again on the next call.
      await admin.config('SET', 'maxmemory-policy', 'noeviction')
      const proof = await request()
      await expect(core.verify(proof)).resolves.toBeDefined()
      const replay = await core.verify(proof).catch((error: unknown) => error)
      expect(isGuardError(replay) && replay.code).toBe('ERR_DPOP_PROOF_REPLAYED')
    })

    it('noeviction: one CONFIG GET per store, shared by concurrent first calls, then only SETs; no warning', async () => {
      const warnings = spyWarnings()
      // MONITOR does not show CONFIG (an administrative command): count calls in INFO commandstats.
      const calls = async (command: string) => Number(new RegExp(`cmdstat_${command.replace('|', '\\|')}:calls=(\\d+)`).exec(await admin.info('commandstats'))?.[1] ?? 0)
      const before = { config: await calls('config|get'), set: await calls('set') }
      const store = createRedisReplayStore(admin, { prefix })
      const keys = Array.from({ length: 20 }, (_, i) => hash(`noeviction-${i}`))
      const results = await Promise.all(keys.map((k) => store.useOnce(k, Date.now() + 30_000)))
      expect(results.every(Boolean)).toBe(true)
      expect(await store.useOnce(keys[0] as string, Date.now() + 30_000)).toBe(false)
      expect((await calls('config|get')) - before.config).toBe(1)
      expect((await calls('set')) - before.set).toBe(21)
      expect(warnings.codes()).toEqual([])
    })

    it('allowEvictingPolicy: true runs on allkeys-lru and warns once, naming the policy', async () => {
      const warnings = spyWarnings()
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
      const store = createRedisReplayStore(admin, { prefix, allowEvictingPolicy: true })
      const k = hash('opt-in')
      expect(await store.useOnce(k, Date.now() + 30_000)).toBe(true)
      expect(await store.useOnce(k, Date.now() + 30_000)).toBe(false)
      expect(await store.useOnce(hash('opt-in-2'), Date.now() + 30_000)).toBe(true)
      const warned = warnings.codes()
      expect(warned.map((w) => w.code)).toEqual(['FAPI_GUARD_REDIS_EVICTING_POLICY'])
      expect(warned[0]?.message).toContain('"allkeys-lru"')
    })

    it('an ACL user without CONFIG (NOPERM): warns once that the policy is unknown, and runs', async () => {
      const user = `fapi-guard-${hash(prefix).slice(0, 8)}`
      await admin.acl('SETUSER', user, 'on', '>secret', '~*', '&*', '+@all', '-config')
      const limited = await connect(`redis://${user}:secret@127.0.0.1:${server.port}`)
      try {
        await expect(limited.config('GET', 'maxmemory-policy')).rejects.toThrow(/^NOPERM/)
        const warnings = spyWarnings()
        const store = createRedisReplayStore(limited, { prefix })
        const k = hash('acl')
        expect(await store.useOnce(k, Date.now() + 30_000)).toBe(true)
        expect(await store.useOnce(k, Date.now() + 30_000)).toBe(false)
        const warned = warnings.codes()
        expect(warned.map((w) => w.code)).toEqual(['FAPI_GUARD_REDIS_POLICY_UNKNOWN'])
        expect(warned[0]?.message).toMatch(/could not read Redis maxmemory-policy \(NOPERM/)
        expect(warned[0]?.message).toContain('"noeviction"')
      } finally {
        limited.disconnect()
        await admin.acl('DELUSER', user)
      }
    })

    it('CONFIG renamed away (as on managed Redis: ERR unknown command): warns once, and runs', async () => {
      const managed = await startOwnRedis(['--rename-command', 'CONFIG', ''])
      const client = await connect(managed.url)
      try {
        const warnings = spyWarnings()
        const store = createRedisReplayStore(client, { prefix })
        const k = hash('renamed')
        expect(await store.useOnce(k, Date.now() + 30_000)).toBe(true)
        expect(await store.useOnce(k, Date.now() + 30_000)).toBe(false)
        const warned = warnings.codes()
        expect(warned.map((w) => w.code)).toEqual(['FAPI_GUARD_REDIS_POLICY_UNKNOWN'])
        expect(warned[0]?.message).toContain('ERR unknown command')
      } finally {
        client.disconnect()
        await managed.stop()
      }
    })
  },
  { startsServer: true },
)

describe('createRedisReplayStore policy check (no Redis needed)', () => {
  const policy = (value: string) => async () => ['maxmemory-policy', value]
  const node = (config: (...args: unknown[]) => Promise<unknown>) => ({ isCluster: false, config, set: async () => 'OK', getBuffer: async () => null })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('a check that could not reach Redis rejects (503), and is tried again on the next call', async () => {
    let calls = 0
    const config = async () => {
      calls++
      if (calls === 1) throw new Error('Connection is closed.')
      return ['maxmemory-policy', 'noeviction']
    }
    const errors: unknown[] = []
    const store = createRedisReplayStore(node(config) as unknown as RedisClient, { onError: (error) => errors.push(error) })
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toThrow('Connection is closed.')
    expect(await store.useOnce('k', Date.now() + 1000)).toBe(true)
    expect(await store.useOnce('k2', Date.now() + 1000)).toBe(true)
    expect(calls).toBe(2)
    expect(errors).toHaveLength(1)
  })

  it('a CONFIG GET slower than commandTimeout rejects with RedisCommandTimeoutError', async () => {
    const store = createRedisReplayStore(node(() => new Promise(() => {})) as unknown as RedisClient, { commandTimeout: 30 })
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toBeInstanceOf(RedisCommandTimeoutError)
  })

  it('Cluster: every primary is asked; one evicting primary refuses the store', async () => {
    const asked: string[] = []
    const primary = (name: string, value: string) => ({
      config: async () => {
        asked.push(name)
        return policy(value)()
      },
    })
    const cluster = { isCluster: true, nodes: () => [primary('a', 'noeviction'), primary('b', 'volatile-ttl')], set: async () => 'OK' }
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    const store = createRedisReplayStore(cluster as unknown as RedisClient)
    const refused = await store.useOnce('k', Date.now() + 1000).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RedisEvictionPolicyError)
    expect((refused as RedisEvictionPolicyError).policy).toBe('volatile-ttl')
    expect(asked).toEqual(['a', 'b'])
  })

  it('Cluster with no primary connected yet: rejects, then checks once one is there', async () => {
    let primaries: unknown[] = []
    const cluster = { isCluster: true, nodes: () => primaries, set: async () => 'OK' }
    const store = createRedisReplayStore(cluster as unknown as RedisClient)
    await expect(store.useOnce('k', Date.now() + 1000)).rejects.toThrow(/no primary connected/)
    primaries = [{ config: policy('noeviction') }]
    expect(await store.useOnce('k', Date.now() + 1000)).toBe(true)
  })

  it('checks allowEvictingPolicy', () => {
    const ok = node(policy('noeviction')) as unknown as RedisClient
    expect(() => createRedisReplayStore(ok, { allowEvictingPolicy: 'yes' as never })).toThrow(/"allowEvictingPolicy" must be a boolean/)
    expect(() => createRedisReplayStore(ok, { allowEvictingPolicy: false })).not.toThrow()
  })
})
