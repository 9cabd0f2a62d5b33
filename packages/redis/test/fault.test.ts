import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { createGuard, isGuardError } from '@fapi-guard/core'
import { guard } from '@fapi-guard/express'
import { createRedisReplayStore } from '@fapi-guard/redis'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import express from 'express'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, describeWithRedis, FAIL_FAST, freePort, ownRedis, type OwnRedis } from './support/redis.js'

// F01 and recovery, against a redis-server of our own that we kill and start again on the same port.
// Two clients on it: one set up to fail fast (no offline queue, the README's advice), one with ioredis
// defaults (offline queue on) where only the store's own per-call timeout stands between an outage
// and a hung request. Neither may accept a request while Redis is gone, and both must recover alone.

const PUBLIC_URL = 'https://api.example.test'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeWithRedis(
  'Redis outage and recovery',
  () => {
    let issuer: LocalIssuer
    let key: DPoPKey
    let redis: OwnRedis
    let failFast: Redis
    let defaults: Redis
    let server: Server
    let origin: string
    const routeRuns = { 'fail-fast': 0, defaults: 0 }

    beforeAll(async () => {
      issuer = await createLocalIssuer()
      key = await createDPoPKey('ES256')
      redis = ownRedis(await freePort())
      await redis.start()
      failFast = await connect(redis.url, FAIL_FAST)
      defaults = await connect(redis.url, {})
      const app = express()
      for (const [name, client] of [
        ['fail-fast', failFast],
        ['defaults', defaults],
      ] as const) {
        app.get(
          `/${name}`,
          guard({ issuer: issuer.issuer, audience: issuer.audience, proxy: { publicUrl: PUBLIC_URL }, dpop: { replayStore: createRedisReplayStore(client) } }),
          (_req, res) => {
            routeRuns[name]++
            res.json({ ok: true })
          },
        )
      }
      server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }, 30_000)

    afterAll(async () => {
      server?.closeAllConnections()
      server?.close()
      failFast?.disconnect()
      defaults?.disconnect()
      await redis?.stop()
      await issuer?.close()
    })

    /** One request with a fresh proof: status, OAuth error, and how long it took. */
    const call = async (route: 'fail-fast' | 'defaults') => {
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const dpop = await createDPoPProof({ key, method: 'GET', url: `${PUBLIC_URL}/${route}`, accessToken: token })
      const started = performance.now()
      const response = await fetch(`${origin}/${route}`, { headers: { authorization: `DPoP ${token}`, dpop } })
      const body = (await response.json()) as { error?: string }
      return { status: response.status, error: body.error, ms: performance.now() - started }
    }

    it('accepts while Redis is up, refuses with 503 (none accepted) while it is down, and accepts again once it is back', async () => {
      for (const route of ['fail-fast', 'defaults'] as const) {
        for (let i = 0; i < 3; i++) expect((await call(route)).status).toBe(200)
      }
      expect(routeRuns).toEqual({ 'fail-fast': 3, defaults: 3 })

      await redis.stop()
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 === 0 ? 'fail-fast' : 'defaults')))
      // …and again, one by one, once ioredis has noticed and is in its reconnect loop.
      await sleep(300)
      const later = { 'fail-fast': [] as number[], defaults: [] as number[] }
      for (let i = 0; i < 10; i++) {
        const route = i % 2 === 0 ? 'fail-fast' : 'defaults'
        const reply = await call(route)
        burst.push(reply)
        later[route].push(reply.ms)
      }
      for (const reply of burst) {
        expect(reply).toMatchObject({ status: 503, error: 'temporarily_unavailable' })
        // Bounded by the store's 100 ms command timeout, not by the core's 2 s cut-off (the margin is for
        // a loaded 2-core machine: 20 concurrent requests once took 1.1 s there).
        expect(reply.ms).toBeLessThan(1500)
      }
      expect(routeRuns).toEqual({ 'fail-fast': 3, defaults: 3 })
      // With the offline queue on, a command waits in the queue until the store's timeout cuts it off;
      // without it, the command fails at once ("Stream isn't writeable").
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number
      for (const ms of later.defaults) expect(ms).toBeGreaterThanOrEqual(95)
      expect(median(later['fail-fast'])).toBeLessThan(median(later.defaults))

      await redis.start()
      // The same app, guards, stores and clients: ioredis reconnects on its own (backoff up to ~5 s).
      for (const route of ['fail-fast', 'defaults'] as const) {
        const deadline = Date.now() + 15_000
        let reply = await call(route)
        while (reply.status !== 200 && Date.now() < deadline) {
          expect(reply.status).toBe(503)
          await sleep(100)
          reply = await call(route)
        }
        expect(reply.status).toBe(200)
        for (let i = 0; i < 3; i++) expect((await call(route)).status).toBe(200)
      }
      expect(routeRuns['fail-fast']).toBe(7)
      expect(routeRuns.defaults).toBe(7)
    }, 40_000)

    it('Redis out of memory (maxmemory, noeviction) → 503 ERR_REPLAY_STORE_FULL, never accepted', async () => {
      const admin = await connect(redis.url)
      try {
        const core = createGuard({ issuer: issuer.issuer, audience: issuer.audience, dpop: { replayStore: createRedisReplayStore(failFast) } })
        const url = `${PUBLIC_URL}/accounts`
        const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
        const request = async () => ({
          method: 'GET',
          url,
          headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }) },
        })
        await expect(core.verify(await request())).resolves.toBeDefined()
        const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
        await admin.config('SET', 'maxmemory-policy', 'noeviction')
        // A limit below what is in use: Redis now refuses every write (OOM) and, under noeviction, drops nothing.
        await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)))
        const refused = await core.verify(await request()).catch((error: unknown) => error)
        expect(isGuardError(refused) && [refused.status, refused.error, refused.code]).toEqual([503, 'temporarily_unavailable', 'ERR_REPLAY_STORE_FULL'])
        await admin.config('SET', 'maxmemory', '0')
        await expect(core.verify(await request())).resolves.toBeDefined()
      } finally {
        admin.disconnect()
      }
    })
  },
  { startsServer: true },
)
