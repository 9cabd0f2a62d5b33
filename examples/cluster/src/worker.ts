/**
 * One API worker: Express + @fapi-guard/express, DPoP proofs remembered in Redis so that a proof used
 * at any worker (or any host) is refused at every other. Configured from the environment:
 *
 *   ISSUER, AUDIENCE   the authorization server trusted, and this API's identifier
 *   JWKS_URI           the issuer's keys (optional: discovered from the issuer's metadata otherwise)
 *   REDIS_URL          default redis://127.0.0.1:6379
 *   PORT               default 3000 (every worker of a cluster listens on the same port)
 */
import cluster from 'node:cluster'
import type { AddressInfo } from 'node:net'
import { guard } from '@fapi-guard/express'
import { createRedisReplayStore, Redis } from '@fapi-guard/redis'
import express from 'express'

export interface WorkerReady {
  readonly type: 'ready'
  readonly port: number
}

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}

export async function startWorker(): Promise<void> {
  const worker = cluster.worker?.id ?? 0
  // Fail fast while Redis is down (503 at once, no queue that grows during an outage); ioredis
  // reconnects on its own and the guard accepts again as soon as Redis answers.
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  })
  redis.on('error', (error: Error) => console.error(`worker ${worker}: Redis: ${error.message}`))
  // Without the offline queue a command sent before the connection is ready fails: connect first.
  await redis.connect()

  const app = express()
  app.use((_req, res, next) => {
    res.setHeader('x-worker', String(worker))
    next()
  })
  app.get(
    '/accounts',
    guard({
      issuer: required('ISSUER'),
      audience: required('AUDIENCE'),
      ...(process.env.JWKS_URI !== undefined && { jwksUri: process.env.JWKS_URI }),
      scopes: ['accounts:read'],
      dpop: { required: true, replayStore: createRedisReplayStore(redis) },
    }),
    (req, res) => {
      res.json({ worker, subject: req.auth?.subject, accounts: [{ id: 'acc-1', currency: 'EUR' }] })
    },
  )

  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const ready: WorkerReady = { type: 'ready', port: (server.address() as AddressInfo).port }
  process.send?.(ready)

  // Graceful stop: no new connections, idle ones closed, in-flight requests answered, then exit.
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    const exit = () => {
      redis.disconnect()
      process.exit(0)
    }
    server.close(exit)
    server.closeIdleConnections()
    setTimeout(exit, 2000).unref()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'stop') stop()
  })
}

// Run as a cluster worker (or on its own: `ISSUER=… AUDIENCE=… node dist/worker.js`).
startWorker().catch((error: unknown) => {
  console.error(`worker failed to start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
