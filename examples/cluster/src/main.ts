/**
 * fapi-guard on node:cluster. The primary starts a local authorization server (@fapi-guard/testing),
 * forks one API worker per core (src/worker.ts), and then plays a client: it sends one DPoP proof to
 * one worker (200), the same proof again to a different worker (401 invalid_dpop_proof: the first
 * worker's Redis entry is seen by all), and a fresh proof (200). Exits 0 when every answer is as
 * expected, 1 otherwise (also when Redis is not reachable at REDIS_URL).
 *
 *   node examples/cluster/dist/main.js            (after `npm run build` at the repository root)
 *   WORKERS=4 REDIS_URL=redis://10.0.0.5:6379 node examples/cluster/dist/main.js
 */
import cluster, { type Worker } from 'node:cluster'
import { request } from 'node:http'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Redis } from '@fapi-guard/redis'
import { createDPoPKey, createDPoPProof, createLocalIssuer } from '@fapi-guard/testing'
import type { WorkerReady } from './worker.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** One answer the demo got. */
export interface Answer {
  readonly title: string
  readonly worker: string
  readonly status: number
  readonly error: string | undefined
  readonly expected: number
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
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

/** GET on a new connection each time (`agent: false`), so the cluster hands it to the next worker in turn. */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; worker: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        let body: Record<string, unknown> = {}
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
        } catch {
          // Not JSON: leave it empty.
        }
        resolve({ status: res.statusCode ?? 0, worker: String(res.headers['x-worker']), body })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

async function main(): Promise<number> {
  if (!(await redisAnswers(REDIS_URL))) {
    console.error(`Redis not reachable at ${REDIS_URL}: start redis-server (or set REDIS_URL) and run again.`)
    return 1
  }
  const count = Number(process.env.WORKERS ?? Math.max(2, availableParallelism()))
  const issuer = await createLocalIssuer({ audience: 'https://api.example.test' })
  const workers: Worker[] = []
  try {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.js', import.meta.url)) })
    const env = { ISSUER: issuer.issuer, AUDIENCE: issuer.audience, JWKS_URI: issuer.jwksUri, REDIS_URL, PORT: process.env.PORT ?? '0' }
    const ports = await Promise.all(
      Array.from({ length: count }, () => {
        const worker = cluster.fork(env)
        workers.push(worker)
        return new Promise<number>((resolve, reject) => {
          worker.on('message', (message: WorkerReady) => {
            if (message.type === 'ready') resolve(message.port)
          })
          worker.once('exit', (code) => reject(new Error(`worker ${worker.id} exited with ${code} before it was ready`)))
        })
      }),
    )
    const port = ports[0] as number
    console.log(`${count} workers (pids ${workers.map((worker) => worker.process.pid).join(', ')}) serve http://127.0.0.1:${port}/accounts, replay store: Redis at ${REDIS_URL}\n`)

    const url = `http://127.0.0.1:${port}/accounts`
    const key = await createDPoPKey('ES256')
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint }, scope: 'accounts:read' })
    const proof = await createDPoPProof({ key, method: 'GET', url, accessToken: token })
    const headers = { authorization: `DPoP ${token}`, dpop: proof }
    const answers: Answer[] = []
    const record = (title: string, expected: number, reply: Awaited<ReturnType<typeof get>>) => {
      answers.push({ title, worker: reply.worker, status: reply.status, error: reply.body.error as string | undefined, expected })
    }

    const first = await get(url, headers)
    record('a DPoP proof, first use', 200, first)
    // New connections go to the workers in turn; send the same proof until another worker answers.
    let again = await get(url, headers)
    for (let tries = 0; again.worker === first.worker && tries < 4 * count; tries++) again = await get(url, headers)
    record(`the same proof again, at another worker`, 401, again)
    if (again.worker === first.worker) console.error('(no other worker took the connection: the replay was only tried at the same worker)')
    const fresh = await get(url, { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }) })
    record('a fresh proof with the same token', 200, fresh)

    for (const answer of answers) {
      const mark = answer.status === answer.expected ? 'ok ' : 'BAD'
      console.log(`${mark} worker ${answer.worker}  ${answer.status}${answer.error ? ` ${answer.error}` : ''}  ${answer.title}`)
    }
    const ok = answers.every((answer) => answer.status === answer.expected) && again.worker !== first.worker
    console.log(ok ? '\nThe replayed proof was refused by a worker that had never seen it: Redis made it single-use across the cluster.' : '\nSome answers were not as expected.')
    return ok ? 0 : 1
  } finally {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve()
            worker.once('exit', () => resolve())
            worker.send({ type: 'stop' })
            setTimeout(() => worker.process.kill('SIGKILL'), 5000).unref()
          }),
      ),
    )
    await issuer.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
