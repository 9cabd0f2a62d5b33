/**
 * What the Redis replay store costs, and what a second API process buys. Not part of the tests.
 *
 *   npm run build && npx tsx bench/redis.ts          (REDIS_URL, default redis://127.0.0.1:6379)
 *
 * 1. Added latency per DPoP request: one guard with the in-memory replay store and one with the Redis
 *    store, same process, same token, each request verified one at a time (so a Redis round trip is
 *    on the critical path), blocks interleaved to cancel drift. Also `useOnce` alone.
 * 2. Requests per second over HTTP on loopback: 1 vs 2 API processes (test/fixtures/api-server.mjs in
 *    packages/redis: Express + @fapi-guard/express + the Redis store), a fixed number of requests at a
 *    fixed concurrency, each with a fresh proof, spread round-robin over the processes.
 *
 * Runs the BUILT packages (`npm run build` first). Keys go under a prefix unique to the run and are deleted.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { Agent, request } from 'node:http'
import { availableParallelism, cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createGuard, createMemoryReplayStore, type ReplayStore } from '@fapi-guard/core'
import { createRedisReplayStore, Redis } from '@fapi-guard/redis'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const ISSUER = 'https://as.example.test'
const AUDIENCE = 'https://api.example.test'
const PUBLIC_URL = 'https://api.example.test'
const ROUTE = `${PUBLIC_URL}/accounts`
const PREFIX = `fapi-guard-bench:${process.pid}:${randomBytes(4).toString('hex')}:`

const LATENCY_REQUESTS = Number(process.env.LATENCY_REQUESTS ?? 6000)
const HTTP_REQUESTS = Number(process.env.HTTP_REQUESTS ?? 12_000)
const HTTP_CONCURRENCY = Number(process.env.HTTP_CONCURRENCY ?? 64)

interface Keys {
  asKey: CryptoKey
  jwks: { keys: JWK[] }
  clientKey: CryptoKey
  clientJwk: JWK
  jkt: string
}

async function makeKeys(): Promise<Keys> {
  const as = await generateKeyPair('ES256')
  const jwks = { keys: [{ ...(await exportJWK(as.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }
  const client = await generateKeyPair('ES256')
  const clientJwk = await exportJWK(client.publicKey)
  return { asKey: as.privateKey, jwks, clientKey: client.privateKey, clientJwk, jkt: await calculateJwkThumbprint(clientJwk, 'sha256') }
}

async function mint(keys: Keys): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ sub: 'user-1', client_id: 'client-1', jti: randomUUID(), scope: 'accounts:read', cnf: { jkt: keys.jkt } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(keys.asKey)
}

async function proofs(keys: Keys, token: string, count: number): Promise<string[]> {
  const ath = createHash('sha256').update(token).digest('base64url')
  const out: string[] = []
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, () =>
      new SignJWT({ jti: randomUUID(), htm: 'GET', htu: ROUTE, iat: Math.floor(Date.now() / 1000), ath })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: keys.clientJwk })
        .sign(keys.clientKey),
    )
    out.push(...(await Promise.all(batch)))
  }
  return out
}

function summary(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length }
}

const µs = (ms: number) => (ms * 1000).toFixed(1)

async function latency(keys: Keys, redis: Redis): Promise<void> {
  const token = await mint(keys)
  const all = await proofs(keys, token, LATENCY_REQUESTS)
  const stores: Record<'memory' | 'redis', ReplayStore> = {
    memory: createMemoryReplayStore(),
    redis: createRedisReplayStore(redis, { prefix: `${PREFIX}latency:` }),
  }
  const guards = {
    memory: createGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, dpop: { replayStore: stores.memory } }),
    redis: createGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, dpop: { replayStore: stores.redis } }),
  }
  const samples = { memory: [] as number[], redis: [] as number[] }
  const requestFor = (proof: string) => ({ method: 'GET', url: ROUTE, headers: { authorization: `DPoP ${token}`, dpop: proof } })
  // Warm-up (key import, JIT, the connection), on proofs not measured: each store sees each proof once.
  const warm = all.slice(0, 500)
  for (const name of ['memory', 'redis'] as const) for (const proof of warm) await guards[name].verify(requestFor(proof))
  const measured = all.slice(500)
  const BLOCK = 250
  for (let at = 0; at < measured.length; at += BLOCK) {
    for (const name of ['memory', 'redis'] as const) {
      for (const proof of measured.slice(at, at + BLOCK)) {
        const started = performance.now()
        await guards[name].verify(requestFor(proof))
        samples[name].push(performance.now() - started)
      }
    }
  }
  const store = { memory: [] as number[], redis: [] as number[] }
  for (let i = 0; i < 5000; i++) {
    for (const name of ['memory', 'redis'] as const) {
      const key = randomBytes(32).toString('base64url')
      const started = performance.now()
      await stores[name].useOnce(key, Date.now() + 60_000)
      store[name].push(performance.now() - started)
    }
  }
  const m = summary(samples.memory)
  const r = summary(samples.redis)
  const sm = summary(store.memory)
  const sr = summary(store.redis)
  console.log(`\n1. Latency of one DPoP request (guard.verify, ES256 token + proof), sequential, ${measured.length} requests per store`)
  console.table([
    { what: 'guard.verify, memory store', 'p50 µs': µs(m.p50), 'mean µs': µs(m.mean), 'p99 µs': µs(m.p99) },
    { what: 'guard.verify, Redis store', 'p50 µs': µs(r.p50), 'mean µs': µs(r.mean), 'p99 µs': µs(r.p99) },
    { what: 'added by Redis', 'p50 µs': µs(r.p50 - m.p50), 'mean µs': µs(r.mean - m.mean), 'p99 µs': µs(r.p99 - m.p99) },
    { what: 'useOnce alone, memory', 'p50 µs': µs(sm.p50), 'mean µs': µs(sm.mean), 'p99 µs': µs(sm.p99) },
    { what: 'useOnce alone, Redis', 'p50 µs': µs(sr.p50), 'mean µs': µs(sr.mean), 'p99 µs': µs(sr.p99) },
  ])
}

interface Started {
  child: ChildProcess
  port: number
}

function startAPI(keys: Keys, store: 'redis' | 'memory'): Promise<Started> {
  const fixture = fileURLToPath(new URL('../packages/redis/test/fixtures/api-server.mjs', import.meta.url))
  const child = fork(fixture, [], {
    env: {
      ...process.env,
      FG_ISSUER: ISSUER,
      FG_AUDIENCE: AUDIENCE,
      FG_JWKS: JSON.stringify(keys.jwks),
      FG_PUBLIC_URL: PUBLIC_URL,
      FG_STORE: store,
      FG_REDIS_URL: REDIS_URL,
      FG_PREFIX: `${PREFIX}http:`,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port?: number; error?: string }) => {
      if (typeof message.port === 'number') resolve({ child, port: message.port })
      else reject(new Error(`API process failed: ${message.error}`))
    })
    child.once('exit', (code) => reject(new Error(`API process exited with ${code}`)))
  })
}

function get(agent: Agent, port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/accounts', headers, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

async function throughput(keys: Keys, processes: number, store: 'redis' | 'memory'): Promise<Record<string, string | number>> {
  const apis = await Promise.all(Array.from({ length: processes }, () => startAPI(keys, store)))
  try {
    const token = await mint(keys)
    const warm = await proofs(keys, token, 500 * processes)
    const all = await proofs(keys, token, HTTP_REQUESTS)
    const agent = new Agent({ keepAlive: true, maxSockets: HTTP_CONCURRENCY })
    const run = async (list: string[]) => {
      let next = 0
      const statuses = new Map<number, number>()
      const latencies: number[] = []
      const started = performance.now()
      await Promise.all(
        Array.from({ length: HTTP_CONCURRENCY }, async () => {
          while (next < list.length) {
            const i = next++
            const api = apis[i % apis.length] as Started
            const t = performance.now()
            const status = await get(agent, api.port, { authorization: `DPoP ${token}`, dpop: list[i] as string })
            latencies.push(performance.now() - t)
            statuses.set(status, (statuses.get(status) ?? 0) + 1)
          }
        }),
      )
      return { seconds: (performance.now() - started) / 1000, statuses, latencies }
    }
    await run(warm)
    const { seconds, statuses, latencies } = await run(all)
    agent.destroy()
    const l = summary(latencies)
    return {
      setup: `${processes} process${processes > 1 ? 'es' : ''}, ${store} store`,
      requests: all.length,
      'req/s': Math.round(all.length / seconds),
      'p50 ms': l.p50.toFixed(2),
      'p99 ms': l.p99.toFixed(2),
      statuses: [...statuses].map(([status, count]) => `${status}×${count}`).join(' '),
    }
  } finally {
    for (const api of apis) api.child.kill('SIGTERM')
  }
}

async function deletePrefix(redis: Redis): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000)
    if (keys.length > 0) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
  redis.on('error', () => {})
  try {
    await redis.connect()
  } catch {
    console.error(`Redis not reachable at ${REDIS_URL}`)
    process.exit(1)
  }
  console.log(`Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Redis ${((await redis.info('server')).match(/redis_version:(\S+)/) ?? [])[1]} at ${REDIS_URL}`)
  const keys = await makeKeys()
  try {
    await latency(keys, redis)
    console.log(`\n2. Requests per second over HTTP (loopback, keep-alive, ${HTTP_CONCURRENCY} concurrent, load generator in this process on the same machine)`)
    const rows = []
    rows.push(await throughput(keys, 1, 'memory'))
    rows.push(await throughput(keys, 1, 'redis'))
    rows.push(await throughput(keys, 2, 'redis'))
    console.table(rows)
  } finally {
    await deletePrefix(redis)
    redis.disconnect()
  }
}

void main()
