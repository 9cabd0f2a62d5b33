import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { assertBuilt, startAPIProcess, type APIProcess } from './support/processes.js'
import { connect, deletePrefix, describeWithRedis, REDIS_URL, scanPrefix, uniquePrefix } from './support/redis.js'

// C22 / F04 across real processes: two API processes, each its own Express app and guard, share only
// Redis. One DPoP proof sent 200 times at once, spread over both, is accepted exactly once.

const PUBLIC_URL = 'https://api.example.test'
const ROUTE = `${PUBLIC_URL}/accounts`

describeWithRedis('two API processes sharing the Redis replay store', () => {
  let issuer: LocalIssuer
  let key: DPoPKey
  let redis: Redis
  let apis: APIProcess[] = []
  const prefix = uniquePrefix('processes')

  beforeAll(async () => {
    assertBuilt()
    issuer = await createLocalIssuer()
    key = await createDPoPKey('ES256')
    redis = await connect()
    const env = {
      FG_ISSUER: issuer.issuer,
      FG_AUDIENCE: issuer.audience,
      FG_JWKS: JSON.stringify({ keys: issuer.keys.map((entry) => entry.publicJwk) }),
      FG_PUBLIC_URL: PUBLIC_URL,
      FG_REDIS_URL: REDIS_URL,
      FG_PREFIX: prefix,
    }
    apis = await Promise.all([startAPIProcess(env), startAPIProcess(env)])
  }, 30_000)
  afterAll(async () => {
    await Promise.all(apis.map((api) => api.stop()))
    await deletePrefix(redis, prefix)
    redis.disconnect()
    await issuer.close()
  })

  it('200 concurrent requests with one proof over both processes → exactly one 200, 199 × 401 invalid_dpop_proof', async () => {
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const proof = await createDPoPProof({ key, method: 'GET', url: ROUTE, accessToken: token })
    const headers = { authorization: `DPoP ${token}`, dpop: proof }
    const replies = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const api = apis[i % 2] as APIProcess
        const response = await fetch(`${api.origin}/accounts`, { headers })
        const body = (await response.json()) as { error?: string }
        return { status: response.status, error: body.error, servedBy: response.headers.get('x-served-by'), www: response.headers.get('www-authenticate') }
      }),
    )
    const tally: Record<string, number> = {}
    for (const reply of replies) tally[`${reply.status} ${reply.error}`] = (tally[`${reply.status} ${reply.error}`] ?? 0) + 1
    expect(tally).toEqual({ '200 undefined': 1, '401 invalid_dpop_proof': 199 })
    const ok = replies.filter((reply) => reply.status === 200)
    const refused = replies.filter((reply) => reply.status === 401)
    expect(ok).toHaveLength(1)
    expect(refused).toHaveLength(199)
    for (const reply of refused) {
      expect(reply.error).toBe('invalid_dpop_proof')
      expect(reply.www).toMatch(/DPoP error="invalid_dpop_proof"/)
    }
    // Both processes answered (each took about half), so the race really was across processes.
    const pids = new Set(apis.map((api) => String(api.child.pid)))
    const served = new Map<string, number>()
    for (const reply of replies) served.set(String(reply.servedBy), (served.get(String(reply.servedBy)) ?? 0) + 1)
    expect(new Set(served.keys())).toEqual(pids)
    for (const count of served.values()) expect(count).toBe(100)
    // One key in Redis for the one proof.
    expect(await scanPrefix(redis, prefix)).toHaveLength(1)
  })

  it('a fresh proof is accepted by either process, and refused by the other after', async () => {
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    for (const [first, second] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const headers = { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url: ROUTE, accessToken: token }) }
      expect((await fetch(`${apis[first]!.origin}/accounts`, { headers })).status).toBe(200)
      const again = await fetch(`${apis[second]!.origin}/accounts`, { headers })
      expect(again.status).toBe(401)
      expect(await again.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    }
  })
})
