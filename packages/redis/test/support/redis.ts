import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { describe, it } from 'vitest'

/** The Redis the tests use: `REDIS_URL`, default the local one. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A key prefix no other run shares, so runs in parallel (or leftovers) never meet. */
export function uniquePrefix(what: string): string {
  return `fapi-guard-test:${what}:${process.pid}:${randomBytes(6).toString('hex')}:`
}

/** Options that make commands fail fast while Redis is down, instead of queueing until it is back. */
export const FAIL_FAST: ClientSettings = { enableOfflineQueue: false, maxRetriesPerRequest: 1 }

/** The ioredis settings the tests vary. */
export interface ClientSettings {
  enableOfflineQueue?: boolean
  maxRetriesPerRequest?: number
}

/**
 * A ready client on `REDIS_URL` (or `url`) whose connection errors are not reported as unhandled.
 * Without the offline queue a command sent before `ready` fails, so this waits for it.
 */
export async function connect(url = REDIS_URL, options: ClientSettings = FAIL_FAST): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, ...options })
  client.on('error', () => {})
  await client.connect()
  return client
}

async function probe(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/** Whether `REDIS_URL` answers; printed once per test file when it does not. */
export const redisAvailable: boolean = await probe(REDIS_URL)
const required = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
if (!redisAvailable) {
  console.warn(
    required
      ? `Redis not reachable at ${REDIS_URL}: CI is set, so the Redis tests FAIL (start redis-server or set REDIS_URL)`
      : `Redis not reachable at ${REDIS_URL}: Redis tests skipped (start redis-server or set REDIS_URL to run them)`,
  )
}

/** Whether `redis-server` can be started here (the fault tests start their own). */
export const redisServerInstalled: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0

/**
 * `describe` for tests that need Redis (and, with `startsServer`, the `redis-server` binary): runs
 * when it is there; otherwise skipped (locally, with a printed message) or, under CI, replaced by one
 * failing test that says why.
 */
export function describeWithRedis(name: string, body: () => void, { startsServer = false } = {}): void {
  const missing = !redisAvailable
    ? `Redis not reachable at ${REDIS_URL}`
    : startsServer && !redisServerInstalled
      ? 'redis-server is not installed'
      : undefined
  if (missing !== undefined && required) {
    describe(name, () => {
      it('needs Redis', () => {
        throw new Error(`${missing}: the Redis tests must run in CI (CI is set)`)
      })
    })
    return
  }
  if (missing !== undefined && redisAvailable) console.warn(`${missing}: "${name}" skipped`)
  describe.skipIf(missing !== undefined)(name, body)
}

/** Deletes every key under `prefix` (SCAN, never KEYS on a shared server). */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  const keys = await scanPrefix(client, prefix)
  if (keys.length > 0) await client.del(...keys)
}

export async function scanPrefix(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000)
    found.push(...keys)
    cursor = next
  } while (cursor !== '0')
  return found
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A `redis-server` of our own on `port` (no persistence), for fault tests. */
export interface OwnRedis {
  readonly port: number
  readonly url: string
  start(): Promise<void>
  /** Kills the server (SIGKILL: no goodbye to clients, like a crash or a lost host). */
  stop(): Promise<void>
}

export function ownRedis(port: number, extraArgs: readonly string[] = []): OwnRedis {
  let child: ChildProcess | undefined
  const url = `redis://127.0.0.1:${port}`
  return {
    port,
    url,
    async start() {
      if (child !== undefined) throw new Error('already started')
      const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
        stdio: 'ignore',
      })
      child = started
      started.once('error', () => {
        if (child === started) child = undefined
      })
      started.once('exit', () => {
        if (child === started) child = undefined
      })
      const deadline = Date.now() + 10_000
      while (!(await probe(url))) {
        if (child === undefined) throw new Error(`redis-server on port ${port} exited at start`)
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async stop() {
      const running = child
      if (running === undefined) return
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
      running.kill('SIGKILL')
      await exited
      child = undefined
    },
  }
}
