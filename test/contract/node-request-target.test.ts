import { request as httpsRequest } from 'node:https'
import { connect } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressAdapter } from './support/adapters/express.js'
import { fastifyAdapter } from './support/adapters/fastify.js'
import { koaAdapter } from './support/adapters/koa.js'
import { nestExpressAdapter, nestFastifyAdapter } from './support/adapters/nest.js'
import { createFixtures, type Fixtures } from './support/fixtures.js'
import { dpopRequest, type CaseContext } from './support/requests.js'
import { ROUTES } from './support/routes.js'
import type { Adapter, Target } from './support/target.js'

// Issue 14 class 1 on every Node adapter: what only a Node server receives — a request-target as
// written, before any URL parser resolved it — must not let a DPoP proof for one path pass at another.
// (A Fetch runtime hands over a URL it already parsed, and routes on that same URL, so these cases
// have no Fetch form; the shared cases are HOST-01 and HOST-16 in cases.ts.)

const NODE_ADAPTERS: readonly Adapter[] = [expressAdapter, koaAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter]
/** Adapters mounted app-wide (`app.use`), whose guard sees every request before the router does. */
const GUARDED_BEFORE_ROUTING = new Set([expressAdapter.name, koaAdapter.name])

let fixtures: Fixtures
beforeAll(async () => {
  fixtures = await createFixtures()
})
afterAll(() => fixtures.close())

/** Sends `target` exactly as written (no URL parsing on our side) with `headers`; answers status and JSON body. */
function sendTarget(origin: string, target: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest({ host: hostname, port, path: target, method: 'GET', headers, agent: false, rejectUnauthorized: false }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) })
      })
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

/** Writes `head` (a request head, as written) on a TLS connection and answers the status of the reply. */
function sendRawTLS(origin: string, head: string): Promise<number> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => socket.end(head))
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1] ?? 0)))
    socket.on('error', reject)
  })
}

describe.each(NODE_ADAPTERS)('$name: the request-target as written', (adapter) => {
  let target: Target
  let ctx: CaseContext
  beforeAll(async () => {
    target = await adapter.start(fixtures)
    ctx = { fixtures, url: (path) => new URL(path, target.origin('base')).href, send: (request) => target.send('base', request) }
  }, 30_000)
  afterAll(() => target?.close())

  /** DPoP headers for a token with `accounts:read` and a proof for `GET <origin>/resource`. */
  async function proofForResource(): Promise<Record<string, string>> {
    const request = await dpopRequest(ctx, { claims: { scope: 'accounts:read' } })
    return request.headers as Record<string, string>
  }

  it.each([
    ['HOST-22 dot segments', `${ROUTES.accounts.path}/../resource`],
    ['HOST-23 percent-encoded dot segments', `${ROUTES.accounts.path}/%2e%2e/resource`],
  ])('%s: a proof for /resource never passes at a target a router may match elsewhere', async (_, path) => {
    const answer = await sendTarget(target.origin('base'), path, await proofForResource())
    if (GUARDED_BEFORE_ROUTING.has(adapter.name)) {
      expect(answer).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'the request path has dot segments ("." or "..")' } })
    } else {
      // Fastify and Nest guard matched routes only; their routers match no route for this target.
      expect(answer.status).toBe(404)
    }
  })

  it('HOST-18 an absolute-form target naming another host than Host is refused (400)', async () => {
    const answer = await sendTarget(target.origin('base'), `https://other.example${ROUTES.resource.path}`, await proofForResource())
    expect(answer).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'the Host header differs from the host of the absolute-form request target' },
    })
  })

  it('HOST-00 the same proof at the target as the client addressed it is accepted', async () => {
    const answer = await sendTarget(target.origin('base'), ROUTES.resource.path, await proofForResource())
    expect(answer.status).toBe(200)
  })

  it("a header folded over lines (obs-fold, nginx's deprecated $ssl_client_cert) never reaches the guard: Node refuses it (400)", async () => {
    const folded = fixtures.clientCertificate.cert.trimEnd().split('\n').join('\r\n\t')
    const token = await fixtures.issuer.mintAccessToken({}, { certificate: fixtures.clientCertificate })
    const head = `GET ${ROUTES.resource.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nClient-Cert: ${folded}\r\nConnection: close\r\n\r\n`
    // The `proxy` guard trusts loopback and reads Client-Cert: had the field reached it, it would be judged.
    expect(await sendRawTLS(target.origin('proxy'), head)).toBe(400)
  })
})
