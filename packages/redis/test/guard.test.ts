import { createGuard, isGuardError, type Guard, type RequestLike } from '@fapi-guard/core'
import { createRedisReplayStore } from '@fapi-guard/redis'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, deletePrefix, describeWithRedis, freePort, scanPrefix, uniquePrefix } from './support/redis.js'

// The core guard with `dpop: { replayStore }` on Redis: what one instance saw, every other sees (F04).

const URL_ = 'https://api.example.test/accounts'

async function refusal(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    if (isGuardError(error)) return { status: error.status, error: error.error, code: error.code }
    throw error
  }
  throw new Error('the request was accepted')
}

describeWithRedis('the core guard with the Redis replay store', () => {
  let issuer: LocalIssuer
  let key: DPoPKey
  let redis: Redis
  let other: Redis
  const prefix = uniquePrefix('guard')
  const guardOn = (client: Redis): Guard =>
    createGuard({ issuer: issuer.issuer, audience: issuer.audience, dpop: { replayStore: createRedisReplayStore(client, { prefix }) } })
  const request = async (token: string, proof?: string): Promise<RequestLike> => ({
    method: 'GET',
    url: URL_,
    headers: { authorization: `DPoP ${token}`, dpop: proof ?? (await createDPoPProof({ key, method: 'GET', url: URL_, accessToken: token })) },
  })

  beforeAll(async () => {
    issuer = await createLocalIssuer()
    key = await createDPoPKey('ES256')
    redis = await connect()
    other = await connect()
  })
  afterAll(async () => {
    await deletePrefix(redis, prefix)
    redis.disconnect()
    other.disconnect()
    await issuer.close()
  })

  it('a proof used at one guard is refused at another guard sharing Redis (invalid_dpop_proof)', async () => {
    const first = guardOn(redis)
    const second = guardOn(other)
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const replayed = await request(token)
    const auth = await first.verify(replayed)
    expect(auth.binding.dpop?.jkt).toBe(key.thumbprint)
    expect(await refusal(second.verify(replayed))).toEqual({ status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_PROOF_REPLAYED' })
    expect(await refusal(first.verify(replayed))).toMatchObject({ code: 'ERR_DPOP_PROOF_REPLAYED' })
    // A fresh proof with the same token is fine at either guard.
    await expect(second.verify(await request(token))).resolves.toMatchObject({ subject: 'user-1' })
  })

  it('stores prefix + a SHA-256 hash (base64url), never the jti, until the end of the proof window (F03, F07)', async () => {
    const own = uniquePrefix('guard-keys')
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, dpop: { replayStore: createRedisReplayStore(redis, { prefix: own }) } })
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const jti = 'jti with spaces,\nnewlines and * globs'
    const iat = Math.floor(Date.now() / 1000)
    await guard.verify(await request(token, await createDPoPProof({ key, method: 'GET', url: URL_, accessToken: token, jti, iat })))
    const keys = await scanPrefix(redis, own)
    expect(keys).toHaveLength(1)
    const stored = keys[0] as string
    expect(stored).toMatch(new RegExp(`^${own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[A-Za-z0-9_-]{43}$`))
    expect(stored).not.toContain('jti')
    // proofMaxAge 300 s + clockTolerance 5 s after iat.
    expect(Number(await redis.pexpiretime(stored))).toBe((iat + 300 + 5) * 1000)
    await deletePrefix(redis, own)
  })

  it('Redis unreachable → 503 ERR_REPLAY_STORE_UNAVAILABLE, never accepted (F01)', async () => {
    const { Redis } = await import('ioredis')
    const down = new Redis({ port: await freePort(), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    down.on('error', () => {})
    down.connect().catch(() => {})
    try {
      const guard = guardOn(down)
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      for (let i = 0; i < 3; i++) {
        const started = Date.now()
        expect(await refusal(guard.verify(await request(token)))).toEqual({
          status: 503,
          error: 'temporarily_unavailable',
          code: 'ERR_REPLAY_STORE_UNAVAILABLE',
        })
        expect(Date.now() - started).toBeLessThan(1000)
      }
    } finally {
      down.disconnect()
    }
  })
})
