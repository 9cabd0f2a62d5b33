import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Redis } from '@fapi-guard/redis'
import { describe, expect, it } from 'vitest'

// Runs the built demo (src/main.ts → dist/main.js) as its own process: node:cluster forks workers
// from the file it runs, so it cannot run inside the test runner's worker.

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

const available = await redisAnswers()
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
if (!available) {
  console.warn(
    inCI
      ? `Redis not reachable at ${REDIS_URL}: CI is set, so the Redis tests FAIL (start redis-server or set REDIS_URL)`
      : `Redis not reachable at ${REDIS_URL}: Redis tests skipped (start redis-server or set REDIS_URL to run them)`,
  )
}

describe('the cluster example', () => {
  if (!available && inCI) {
    it('needs Redis in CI', () => {
      throw new Error(`Redis not reachable at ${REDIS_URL}: the cluster example must run in CI (CI is set)`)
    })
  }

  it.runIf(available)('a proof accepted by one worker is refused by another; the demo exits 0', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`)
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN], { env: { ...process.env, WORKERS: '2', REDIS_URL }, timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr })
      })
    })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^2 workers \(pids \d+, \d+\) serve http:\/\/127\.0\.0\.1:\d+\/accounts/)
    const lines = stdout.split('\n').filter((line) => /^(ok |BAD)/.test(line))
    expect(lines).toHaveLength(3)
    const [first, replay, fresh] = lines.map((line) => /^(ok |BAD) worker (\d+)  (\d+)/.exec(line)?.slice(1)) as string[][]
    expect(first).toEqual(['ok ', expect.any(String), '200'])
    expect(replay).toEqual(['ok ', expect.any(String), '401'])
    expect(replay?.[1]).not.toBe(first?.[1])
    expect(fresh?.[2]).toBe('200')
    expect(stdout).toContain('401 invalid_dpop_proof  the same proof again, at another worker')
    expect(stdout).toContain('Redis made it single-use across the cluster')
  }, 40_000)
})
