/**
 * What bench/http.ts and bench/memory.ts share: a local JWKS server, server children, autocannon runs.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import autocannon from 'autocannon'
import type { ServerConfig } from './configs.js'

const here = dirname(fileURLToPath(import.meta.url))
export const SERVER_FILE = join(here, '..', 'http-server.ts')
export const SOURCES_HOOK = join(here, 'sources.mjs')

/** A JWKS served on 127.0.0.1 (plain HTTP on loopback, which every library here accepts). */
export async function startJwksServer(jwks: unknown): Promise<{ uri: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0
  const body = JSON.stringify(jwks)
  const server = createServer((req, res) => {
    if (req.url === '/jwks') {
      hits++
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' })
      res.end(body)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    uri: `http://127.0.0.1:${port}/jwks`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

export interface ServerSettings {
  readonly issuer: string
  readonly audience: string
  readonly jwksUri: string
  readonly pem: string
  readonly replayCapacity?: number
}

export interface RunningServer {
  readonly port: number
  readonly child: ChildProcess
  memory(): Promise<NodeJS.MemoryUsage>
  /** CPU time the server process has used so far, µs (user + system). */
  cpu(): Promise<number>
  stop(): Promise<void>
}

/** Starts one server configuration in a child process and waits until it listens. */
export async function startServer(config: ServerConfig, settings: ServerSettings, options: { exposeGc?: boolean; execArgv?: readonly string[] } = {}): Promise<RunningServer> {
  const child = fork(SERVER_FILE, [config], {
    execArgv: ['--import', 'tsx', '--import', SOURCES_HOOK, ...(options.exposeGc ? ['--expose-gc'] : []), ...(options.execArgv ?? [])],
    env: { ...process.env, NODE_ENV: 'production', BENCH_SERVER: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${config}: no "listening" within 30 s`)), 30_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${config}: exited with ${code} before listening`))
    })
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening') {
        clearTimeout(timer)
        resolve(message.port as number)
      }
    })
  })
  return {
    port,
    child,
    memory: () =>
      new Promise((resolve) => {
        const onMessage = (message: { type?: string; usage?: NodeJS.MemoryUsage }) => {
          if (message.type !== 'memory') return
          child.off('message', onMessage)
          resolve(message.usage as NodeJS.MemoryUsage)
        }
        child.on('message', onMessage)
        child.send({ type: 'memory' })
      }),
    cpu: () =>
      new Promise((resolve) => {
        const onMessage = (message: { type?: string; usage?: NodeJS.CpuUsage }) => {
          if (message.type !== 'cpu') return
          child.off('message', onMessage)
          resolve((message.usage?.user ?? 0) + (message.usage?.system ?? 0))
        }
        child.on('message', onMessage)
        child.send({ type: 'cpu' })
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

export interface LoadResult {
  /** Mean requests per second (autocannon's per-second samples). */
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly total: number
  readonly non2xx: number
  readonly errors: number
}

export interface LoadOptions {
  readonly port: number
  readonly connections: number
  readonly durationSeconds: number
  /** Same headers on every request (a reused token). */
  readonly headers?: Record<string, string>
  /** Headers per request (a fresh token or proof each time). */
  readonly nextHeaders?: () => Record<string, string>
  /** A fixed rate, requests per second across all connections; by default as fast as the server answers. */
  readonly rate?: number
}

/** One autocannon run against 127.0.0.1:port GET /accounts, bounded by its duration. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { nextHeaders } = options
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    duration: options.durationSeconds,
    pipelining: 1,
    timeout: 10,
    ...(options.rate !== undefined && { overallRate: options.rate }),
    requests: [
      nextHeaders === undefined
        ? { method: 'GET', path: '/accounts', headers: options.headers ?? {} }
        : {
            method: 'GET',
            path: '/accounts',
            setupRequest: (request: Record<string, unknown>) => ({ ...request, headers: { ...(request.headers as object), ...nextHeaders() } }),
          },
    ],
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/** One request, to check a configuration answers 200 before it is measured. */
export async function probe(port: number, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/accounts`, { headers })
  await response.arrayBuffer()
  return response.status
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
