/**
 * Issue 14 class 5 (READ-*): every document the guard fetches — metadata, key set, introspection
 * answer — is read as a stream and given up as soon as it passes its cap, whether or not the server
 * announced a `Content-Length`. A server streaming an endless body must cost a bounded amount of
 * memory and be cut off long before the exchange's timeout.
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createGuard, type GuardOptions } from '../../src/node/index.js'
import { b64u, segment } from '../support/jws.js'
import { NOW, TestClock, requestLike, expectRefusal } from '../support/kit.js'

/** A server whose every answer is a body of `total` bytes streamed in chunks, with no `Content-Length`. */
interface StreamingServer {
  readonly origin: string
  /** Bytes the server managed to write before the client stopped reading (or the body ended). */
  sent(): number
  /** Settles when the (last) response finished or its connection was closed. */
  finished(): Promise<void>
  close(): Promise<void>
}

const CHUNK = Buffer.alloc(64 * 1024, 0x20) // JSON whitespace: a valid prefix of a JSON document forever
const TOTAL = 64 * 1024 * 1024

async function startStreamingServer(prefix: string): Promise<StreamingServer> {
  let sent = 0
  let done: Promise<void> = Promise.resolve()
  const stream = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write(prefix)
    let resolve: () => void
    done = new Promise<void>((r) => (resolve = r))
    res.on('close', () => resolve())
    const pump = () => {
      while (sent < TOTAL && !res.destroyed) {
        sent += CHUNK.length
        if (!res.write(CHUNK)) return void res.once('drain', pump)
      }
      if (!res.destroyed) res.end('}')
    }
    pump()
  }
  const server: Server = createServer((_req, res) => stream(res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    sent: () => sent,
    finished: () => done,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let servers: StreamingServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
})

async function streaming(prefix = '{"keys":[] '): Promise<StreamingServer> {
  const server = await startStreamingServer(prefix)
  servers.push(server)
  return server
}

/** Far more than any cap (metadata and key sets 512 KiB, introspection 256 KiB), far less than the body. */
const BOUND = 8 * 1024 * 1024
const RS = 'https://rs.example.com/'
/** Well formed up to its signature, which is never reached: the keys are what is fetched. */
function tokenOf(iss: string): string {
  const claims = { iss, aud: RS, sub: 'user-1', client_id: 'client-1', iat: NOW, exp: NOW + 300, jti: 'j' }
  return `${segment({ alg: 'ES256', typ: 'at+jwt', kid: 'k' })}.${segment(claims)}.${b64u(new Uint8Array(64))}`
}

function options(extra: Partial<GuardOptions>): GuardOptions {
  // A long timeout: the cut-off must come from the cap, not from the clock.
  return { issuer: 'https://issuer.example', audience: RS, profile: 'oauth2', clock: new TestClock().now, httpTimeout: 60_000, ...extra }
}

describe('READ: documents the guard fetches are read with a cap, as a stream', () => {
  it('READ-01 a key set streamed without Content-Length is cut off at the cap (503), not buffered whole', async () => {
    const server = await streaming()
    const guard = createGuard(options({ jwksUri: `${server.origin}/jwks` }))
    await expectRefusal(guard.verify(requestLike({ token: tokenOf('https://issuer.example') })), { status: 503, error: 'temporarily_unavailable', code: 'ERR_JWKS_UNAVAILABLE' })
    await server.finished()
    expect(server.sent()).toBeLessThan(BOUND)
  })

  it('READ-02 issuer metadata streamed without Content-Length is cut off at the cap (503)', async () => {
    const server = await streaming('{"issuer":"x" ')
    const guard = createGuard(options({ issuer: server.origin }))
    await expectRefusal(guard.verify(requestLike({ token: tokenOf(server.origin) })), { status: 503, error: 'temporarily_unavailable', code: 'ERR_JWKS_UNAVAILABLE' })
    await server.finished()
    expect(server.sent()).toBeLessThan(BOUND)
  })

  it('READ-03 an introspection answer streamed without Content-Length is cut off at the cap (503)', async () => {
    const server = await streaming('{"active":true ')
    const guard = createGuard(
      options({
        issuer: { issuer: 'https://issuer.example', jwks: { keys: [] }, introspection: { endpoint: `${server.origin}/introspect`, clientId: 'rs', clientSecret: 'rs-secret-0123456789' } },
      }),
    )
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-token-value' })), { status: 503, error: 'temporarily_unavailable', code: 'ERR_INTROSPECTION_UNAVAILABLE' })
    await server.finished()
    expect(server.sent()).toBeLessThan(BOUND)
  })
})
