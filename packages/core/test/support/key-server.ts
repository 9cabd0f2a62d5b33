import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach } from 'vitest'

/** What one route answers. A string body is sent as is; anything else as JSON. */
export interface Reply {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly body?: unknown
  /** Wait this long before answering (timeouts). */
  readonly delayMs?: number
}

export type Route = Reply | ((request: IncomingMessage) => Reply)

/** A small HTTP server on loopback whose answers tests choose: odd JWKS, metadata, redirects, slow replies. */
export interface KeyServer {
  readonly origin: string
  /** Every request path, in order. */
  readonly requests: string[]
  url(path: string): string
  /** Requests made to one path. */
  count(path: string): number
  /** Sets what a path answers (replacing the previous answer). */
  route(path: string, route: Route): void
  close(): Promise<void>
}

/** Starts a `KeyServer` on 127.0.0.1 with a random port. Unknown paths answer 404. */
export async function createKeyServer(routes: Record<string, Route> = {}): Promise<KeyServer> {
  const table = new Map<string, Route>(Object.entries(routes))
  const requests: string[] = []
  const timers = new Set<NodeJS.Timeout>()
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    requests.push(path)
    const route = table.get(path)
    const reply: Reply = route === undefined ? { status: 404, body: { error: 'not_found' } } : typeof route === 'function' ? route(req) : route
    const answer = () => {
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
      res.end(body)
    }
    if (reply.delayMs === undefined) return answer()
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (!res.destroyed) answer()
    }, reply.delayMs)
    timers.add(timer)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    requests,
    url: (path) => `${origin}${path}`,
    count: (path) => requests.filter((item) => item === path).length,
    route: (path, route) => void table.set(path, route),
    close: () => {
      for (const timer of timers) clearTimeout(timer)
      if (!server.listening) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
    },
  }
}

/** A loopback port with nothing listening (ECONNREFUSED). */
export async function closedPortURL(path = '/jwks'): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}${path}`
}

/**
 * `createKeyServer` for the tests of one file, each server closed after the test that started it.
 * Call once at the top level of a test file.
 */
export function keyServersPerTest(): (routes?: Record<string, Route>) => Promise<KeyServer> {
  let servers: KeyServer[] = []
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()))
    servers = []
  })
  return async (routes = {}) => {
    const server = await createKeyServer(routes)
    servers.push(server)
    return server
  }
}
