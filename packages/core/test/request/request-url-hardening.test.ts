/**
 * Issue 14 class 1: the URL a DPoP proof's `htu` is checked against must be built only from validated
 * parts, so that a client cannot steer it. HOST-* go through the Node request builder on real
 * sockets (what every Node adapter uses); URL-* hand `RequestLike.url` to the core as serverless
 * users do; FWD-* are the forwarded-header walk behind trusted proxies (RFC 7239 §4: proxies append).
 * Each row was let through, or judged on a value the client wrote, before the fix.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPProof, createLocalIssuer, createTestCertificate, sendRaw, serve, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { createGuard, isGuardError, requestFromNode, type Guard, type GuardOptions, type RequestLike } from '../../src/node/index.js'
import { createClient, guardOptions, invalidProof, type Client } from '../support/dpop-kit.js'
import { API, TestClock, requestLike, refusal, expectRefusal } from '../support/kit.js'

const BAD_REQUEST = { status: 400, error: 'invalid_request', code: 'ERR_REQUEST_INVALID' } as const

let issuer: LocalIssuer
const clock = new TestClock()
let client: Client

beforeAll(async () => {
  issuer = await createLocalIssuer({ algorithms: ['ES256'] })
  client = await createClient(issuer, clock)
})
afterAll(() => issuer.close())

/** A proof of the suite's client for `GET url`. */
function proofFor(url: string, method = 'GET'): Promise<string> {
  return createDPoPProof({ key: client.key, method, url, accessToken: client.token, iat: clock.seconds })
}

interface Outcome {
  readonly status: number
  readonly code?: string
  readonly description?: string
}

/** A Node server answering `guard.verify(requestFromNode(req))`: 200, or the refusal's status, code and description. */
async function nodeServer(guard: Guard): Promise<{ port: number; close: () => Promise<void> }> {
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text)
  }
  return serve((req: IncomingMessage, res: ServerResponse) => {
    guard.verify(requestFromNode(req)).then(
      () => reply(res, 200, {}),
      (error: unknown) =>
        isGuardError(error) ? reply(res, error.status, { code: error.code, description: error.description }) : reply(res, 500, { code: 'NOT_A_GUARD_ERROR' }),
    )
  })
}

/** Writes a raw HTTP/1.1 request (target, header lines) with the client's token and a proof; returns the outcome. */
async function send(port: number, requestLine: string, headerLines: string[], proof: string): Promise<Outcome> {
  const raw = [requestLine, ...headerLines, `Authorization: DPoP ${client.token}`, `DPoP: ${proof}`, 'Connection: close', '', ''].join('\r\n')
  const reply = await sendRaw(port, raw)
  const body = reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4)
  return { status: reply.status, ...(JSON.parse(body === '' ? '{}' : body) as { code?: string; description?: string }) }
}

describe('HOST: requests read by the Node builder (every Node adapter)', () => {
  let server: { port: number; close: () => Promise<void> }
  beforeAll(async () => {
    server = await nodeServer(createGuard(guardOptions(issuer, clock)))
  })
  afterAll(() => server.close())

  it('HOST-00 baseline: a proof for http://api.example/public is accepted at /public with Host api.example', async () => {
    expect(await send(server.port, 'GET /public HTTP/1.1', ['Host: api.example'], await proofFor('http://api.example/public'))).toEqual({ status: 200 })
  })

  // The attack: a proof minted for /public, replayed at /admin with a Host that moves the path.
  it.each([
    ['HOST-01 a path and a "?" in Host', 'api.example/public?'],
    ['HOST-02 a path and a "#" in Host', 'api.example/public#'],
    ['HOST-03 a path and userinfo in Host', 'x@api.example/public?'],
    ['HOST-04 a path behind a port in Host', 'api.example:80/public?'],
  ])('%s cannot carry a proof for /public to /admin: 400', async (_, host) => {
    const outcome = await send(server.port, 'GET /admin HTTP/1.1', [`Host: ${host}`], await proofFor('http://api.example/public'))
    expect(outcome).toEqual({ status: 400, code: 'ERR_REQUEST_INVALID', description: 'the Host header is not a valid host[:port]' })
  })

  it.each([
    ['HOST-05 empty', ''],
    ['HOST-06 a space', 'api example'],
    ['HOST-07 userinfo', 'user@api.example'],
    ['HOST-08 a backslash', 'api.example\\admin'],
    ['HOST-09 an empty port', 'api.example:'],
    ['HOST-10 a port over 65535', 'api.example:65536'],
    ['HOST-11 a port with a letter', 'api.example:8o'],
    ['HOST-12 an unclosed IPv6 literal', '[::1'],
    ['HOST-13 an IPv6 literal with a zone', '[fe80::1%25eth0]'],
    ['HOST-14 an IPvFuture literal', '[v7.abc]'],
    ['HOST-15 something after an IPv6 literal', '[::1]x'],
  ])('%s in Host is a bad request (400), whatever the proof', async (_, host) => {
    const outcome = await send(server.port, 'GET /public HTTP/1.1', [`Host: ${host}`], await proofFor('http://api.example/public'))
    expect(outcome).toEqual({ status: 400, code: 'ERR_REQUEST_INVALID', description: 'the Host header is not a valid host[:port]' })
  })

  it('HOST-16 two Host fields, or two joined by a comma, are a bad request (RFC 9112 §3.2)', async () => {
    const proof = await proofFor('http://api.example/public')
    const expected = { status: 400, code: 'ERR_REQUEST_INVALID', description: 'the request has more than one Host header' }
    expect(await send(server.port, 'GET /public HTTP/1.1', ['Host: api.example', 'Host: other.example'], proof)).toEqual(expected)
    expect(await send(server.port, 'GET /public HTTP/1.1', ['Host: api.example, other.example'], await proofFor('http://api.example/public'))).toEqual(expected)
  })

  it('HOST-17 valid authorities pass: IPv4, IPv6, a port, a trailing dot, upper case', async () => {
    for (const host of ['127.0.0.1:8080', '[::1]:8443', 'API.Example', 'api.example.', 'api-1.internal_svc']) {
      const outcome = await send(server.port, 'GET /public HTTP/1.1', [`Host: ${host}`], await proofFor(`http://${host}/public`))
      expect(outcome, host).toEqual({ status: 200 })
    }
  })

  it('HOST-18 an absolute-form target names the authority; Host must agree with it (case and default port aside)', async () => {
    const target = 'GET http://api.example/public HTTP/1.1'
    expect(await send(server.port, target, ['Host: api.example'], await proofFor('http://api.example/public'))).toEqual({ status: 200 })
    expect(await send(server.port, target, ['Host: API.EXAMPLE:80'], await proofFor('http://api.example/public'))).toEqual({ status: 200 })
    expect(await send(server.port, target, ['Host: other.example'], await proofFor('http://api.example/public'))).toEqual({
      status: 400,
      code: 'ERR_REQUEST_INVALID',
      description: 'the Host header differs from the host of the absolute-form request target',
    })
  })

  it.each([
    ['HOST-19 userinfo in an absolute-form target', 'GET http://x@api.example/public HTTP/1.1', 'the request target has userinfo'],
    ['HOST-20 a target that is not an http(s) URL', 'GET ftp://api.example/public HTTP/1.1', 'the request target is not an http(s) URL'],
    ['HOST-21 asterisk-form', 'OPTIONS * HTTP/1.1', 'the request target is neither origin-form nor absolute-form'],
  ])('%s is a bad request (400)', async (_, requestLine, description) => {
    const outcome = await send(server.port, requestLine, ['Host: api.example'], await proofFor('http://api.example/public'))
    expect(outcome).toEqual({ status: 400, code: 'ERR_REQUEST_INVALID', description })
  })

  // A router sees the target as written; a URL parser resolves dot segments. A proof for /public must
  // not pass at a path a router matches as /admin/…
  it.each([
    ['HOST-22 "/admin/../public"', 'GET /admin/../public HTTP/1.1'],
    ['HOST-23 "/admin/%2e%2e/public"', 'GET /admin/%2e%2e/public HTTP/1.1'],
    ['HOST-24 "/admin/%2E%2E/public"', 'GET /admin/%2E%2E/public HTTP/1.1'],
    ['HOST-25 "/./public"', 'GET /./public HTTP/1.1'],
    ['HOST-26 dot segments in an absolute-form target', 'GET http://api.example/admin/../public HTTP/1.1'],
  ])('%s with a proof for /public is a bad request (400)', async (_, requestLine) => {
    const outcome = await send(server.port, requestLine, ['Host: api.example'], await proofFor('http://api.example/public'))
    expect(outcome).toEqual({ status: 400, code: 'ERR_REQUEST_INVALID', description: 'the request path has dot segments ("." or "..")' })
  })

  // A URL parser reading a path that starts with `//` as a network-path reference would drop its first segment.
  it.each([
    ['HOST-27 a "//" path whose decoding reparses: a proof for /accounts does not pass at //admin/accounts', 'GET //admin/%61ccounts HTTP/1.1', 'http://api.example/accounts'],
    ['HOST-28 a "//" path whose first segment is no host: an htu mismatch, not an unexpected error', 'GET //x:99999/%61 HTTP/1.1', 'http://api.example/a'],
    ['HOST-29 the same with the proof naming the "//" path', 'GET /a HTTP/1.1', 'http://api.example//x:99999/%61'],
  ])('%s', async (_, requestLine, htu) => {
    const outcome = await send(server.port, requestLine, ['Host: api.example'], await proofFor(htu))
    expect(outcome).toEqual({ status: 401, code: 'ERR_DPOP_HTU_MISMATCH', description: 'the DPoP proof "htu" does not match the request URL' })
  })
})

describe('URL: RequestLike.url handed in by users', () => {
  let guard: Guard
  beforeAll(() => {
    guard = createGuard(guardOptions(issuer, clock))
  })
  const PUBLIC = 'https://api.example/public'

  it.each([
    ['URL-01 userinfo', 'https://x@api.example/public', 'the request URL has userinfo'],
    ['URL-02 a fragment', 'https://api.example/public#frag', 'the request URL has a fragment'],
    ['URL-03 dot segments', 'https://api.example/admin/../public', 'the request path has dot segments ("." or "..")'],
    ['URL-04 encoded dot segments', 'https://api.example/admin/%2E%2e/public', 'the request path has dot segments ("." or "..")'],
    ['URL-05 a backslash in the path', 'https://api.example/admin\\..\\public', 'the request URL has a space, a control character or a backslash'],
    ['URL-06 a host that is not host[:port]', 'https://api.example:99999/public', 'the request URL has no valid host[:port]'],
    ['URL-07 not http(s)', 'ws://api.example/public', 'the request URL is not http or https'],
    ['URL-08 not absolute', '/public', 'the request URL is not absolute'],
  ])('%s: a DPoP request is refused with 400', async (_, url, description) => {
    const request = requestLike({ scheme: 'DPoP', token: client.token, proof: await proofFor(PUBLIC), url })
    const error = await expectRefusal(guard.verify(request), BAD_REQUEST)
    expect(error.description).toBe(description)
  })

  it('URL-09 the same URL without userinfo, fragment or dot segments is accepted', async () => {
    await expect(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: await proofFor(PUBLIC), url: `${PUBLIC}?q=1` }))).resolves.toBeDefined()
  })
})

describe('FWD: forwarded values are taken from the outermost trusted proxy, never from what a client wrote before it', () => {
  const PROXY = '10.0.0.7'
  const INTERNAL = 'http://10.0.0.5:8080/x'
  const PUBLIC = 'https://api.example.com/x'
  function guardWith(proxy: NonNullable<GuardOptions['proxy']>): Guard {
    return createGuard(guardOptions(issuer, clock, { proxy }))
  }
  async function behind(htu: string, headers: Record<string, string | string[]>, peerAddress = PROXY): Promise<RequestLike> {
    return requestLike({ scheme: 'DPoP', token: client.token, proof: await proofFor(htu), url: INTERNAL, headers, peerAddress })
  }

  it('FWD-01 one trusted proxy that appends: a client-written X-Forwarded-Host/Proto before its own is not used', async () => {
    const guard = guardWith({ trusted: ['10.0.0.0/8'] })
    const headers = { 'x-forwarded-host': 'evil.example, api.example.com', 'x-forwarded-proto': 'http, https', 'x-forwarded-for': '203.0.113.9' }
    await expect(guard.verify(await behind(PUBLIC, headers))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await behind('http://evil.example/x', headers)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('FWD-02 the same, as separate field lines', async () => {
    const guard = guardWith({ trusted: ['10.0.0.0/8'] })
    const headers = { 'x-forwarded-host': ['evil.example', 'api.example.com'], 'x-forwarded-proto': ['http', 'https'] }
    await expect(guard.verify(await behind(PUBLIC, headers))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await behind('http://evil.example/x', headers)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('FWD-03 two trusted proxies, both appending: X-Forwarded-For counts the hops, the outer proxy\'s element counts', async () => {
    const guard = guardWith({ trusted: ['10.0.0.0/8'] })
    // client 203.0.113.9 → edge 10.0.0.1 (writes api.example.com) → inner 10.0.0.7 (appends edge.internal) → us
    const headers = { 'x-forwarded-for': '198.51.100.1, 203.0.113.9, 10.0.0.1', 'x-forwarded-host': 'evil.example, api.example.com, edge.internal', 'x-forwarded-proto': 'http, https, http' }
    await expect(guard.verify(await behind(PUBLIC, headers))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await behind('http://edge.internal/x', headers)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    await expectRefusal(guard.verify(await behind('http://evil.example/x', headers)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('FWD-04 a proxy that overwrites instead of appending: its single value counts', async () => {
    const guard = guardWith({ trusted: ['10.0.0.0/8'] })
    const headers = { 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' }
    await expect(guard.verify(await behind(PUBLIC, headers))).resolves.toBeDefined()
  })

  it('FWD-05 RFC 7239 Forwarded: the for= chain counts the hops; a client-written element is not used', async () => {
    const guard = guardWith({ trusted: ['10.0.0.0/8'], forwardedHeaders: 'forwarded' })
    const spoofed = { forwarded: 'for=198.51.100.1;host=evil.example;proto=http, for=203.0.113.9;host=api.example.com;proto=https' }
    await expect(guard.verify(await behind(PUBLIC, spoofed))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await behind('http://evil.example/x', spoofed)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    const twoHops = { forwarded: 'for=203.0.113.9;host=api.example.com;proto=https, for="10.0.0.1:4711";host=edge.internal;proto=http' }
    await expect(guard.verify(await behind(PUBLIC, twoHops))).resolves.toBeDefined()
  })

  it('FWD-06 the family the proxies do not write is never read: Forwarded under x-forwarded, X-Forwarded-* under forwarded', async () => {
    const xForwarded = guardWith({ trusted: ['10.0.0.0/8'] })
    await expectRefusal(xForwarded.verify(await behind(PUBLIC, { forwarded: 'host=api.example.com;proto=https' })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    const rfc7239 = guardWith({ trusted: ['10.0.0.0/8'], forwardedHeaders: 'forwarded' })
    await expectRefusal(rfc7239.verify(await behind(PUBLIC, { 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it.each([
    ['FWD-07 a host with a path', { 'x-forwarded-host': 'api.example.com/x?' }, 'the forwarded host is not a valid host[:port]'],
    ['FWD-08 a host with userinfo', { 'x-forwarded-host': 'u@api.example.com' }, 'the forwarded host is not a valid host[:port]'],
    ['FWD-09 a scheme that is not http(s)', { 'x-forwarded-proto': 'javascript' }, 'the forwarded scheme is not http or https'],
    ['FWD-10 a port that is not a port', { 'x-forwarded-port': '443/x' }, 'the forwarded port is not a port number'],
    ['FWD-11 a prefix that is not an absolute path', { 'x-forwarded-prefix': 'x/../admin' }, 'the forwarded path prefix is not an absolute path'],
    ['FWD-12 a prefix with dot segments', { 'x-forwarded-prefix': '/public/..' }, 'the forwarded path prefix is not an absolute path'],
    ['FWD-13 a Forwarded host with a path', { forwarded: 'host="api.example.com/x?";proto=https' }, 'the forwarded host is not a valid host[:port]'],
  ])('%s from a trusted proxy is a bad request (400), never a URL', async (_, headers, description) => {
    const guard = guardWith({ trusted: ['10.0.0.0/8'], forwardedHeaders: 'forwarded' in headers ? 'forwarded' : 'x-forwarded' })
    const error = await expectRefusal(guard.verify(await behind(PUBLIC, headers)), BAD_REQUEST)
    expect(error.description).toBe(description)
  })
})

describe('FWD: quoted strings cannot swallow what the proxies append', () => {
  const PROXY = '10.0.0.7'
  const PUBLIC = 'https://api.example.com/x'
  async function behind(guard: Guard, htu: string, headers: Record<string, string>): Promise<unknown> {
    return guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: await proofFor(htu), url: 'http://10.0.0.5:8080/x', headers, peerAddress: PROXY }))
  }

  it('FWD-16 a Forwarded line a client left inside an open quote, the proxy appending to it, is a bad request (400)', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/8'], forwardedHeaders: 'forwarded' } }))
    const headers = { forwarded: 'host=evil.example;proto=http;for="x, for=203.0.113.9;host=api.example.com;proto=https' }
    await expect(behind(guard, 'http://evil.example/x', headers)).rejects.toMatchObject({ ...BAD_REQUEST, description: 'the forwarded "forwarded" header is malformed' })
    await expect(behind(guard, PUBLIC, headers)).rejects.toMatchObject(BAD_REQUEST)
  })

  it('FWD-17 a Forwarded element naming a parameter twice is a bad request (400): which one the proxy wrote is unknown', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/8'], forwardedHeaders: 'forwarded' } }))
    await expect(behind(guard, PUBLIC, { forwarded: 'for=203.0.113.9;host=api.example.com;proto=https;host=evil.example' })).rejects.toMatchObject(BAD_REQUEST)
  })

  it('FWD-18 quotes mean nothing in X-Forwarded-*: a client-written quote does not merge the proxies\' elements', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/8'] } }))
    const headers = { 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'x-forwarded-host': 'evil.example, ", api.example.com, edge.internal', 'x-forwarded-proto': 'http, ", https, http' }
    await expect(behind(guard, PUBLIC, headers)).resolves.toBeDefined()
    await expect(behind(guard, 'http://evil.example/x', headers)).rejects.toMatchObject({ code: 'ERR_DPOP_HTU_MISMATCH' })
    const quotedFor = { 'x-forwarded-for': '"x, 203.0.113.9, 10.0.0.1', 'x-forwarded-host': 'api.example.com, edge.internal', 'x-forwarded-proto': 'https, http' }
    await expect(behind(guard, PUBLIC, quotedFor)).resolves.toBeDefined()
    await expect(behind(guard, 'http://edge.internal/x', quotedFor)).rejects.toMatchObject({ code: 'ERR_DPOP_HTU_MISMATCH' })
  })
})

describe('FWD: the certificate header follows the same rule', () => {
  let client2: TestCertificate
  let proxyCertificate: TestCertificate
  let attacker: TestCertificate
  beforeAll(() => {
    client2 = createTestCertificate('fwd-client')
    proxyCertificate = createTestCertificate('fwd-edge-proxy')
    attacker = createTestCertificate('fwd-attacker')
  })

  const element = (certificate: TestCertificate) => `Hash=${Buffer.from(certificate.thumbprint, 'base64url').toString('hex')};Cert="${encodeURIComponent(certificate.cert)}"`

  async function certificateRequest(certificate: TestCertificate, headers: Record<string, string>): Promise<{ guard: Guard; request: RequestLike }> {
    const guard = createGuard(guardOptions(issuer, clock, { profile: 'fapi1-advanced', proxy: { trusted: ['10.0.0.0/8'], certificateHeader: 'x-forwarded-client-cert' } }))
    const token = await issuer.mint({ cnf: { 'x5t#S256': certificate.thumbprint } }, { now: clock.seconds })
    return { guard, request: { method: 'GET', url: 'https://api.example.com/x', headers: { authorization: `Bearer ${token}`, ...headers }, peerAddress: '10.0.0.7' } }
  }

  it("FWD-14 XFCC through two trusted Envoys: the outer one's element (the client's certificate) counts, not the inner one's (the proxy's)", async () => {
    const headers = { 'x-forwarded-client-cert': `${element(client2)},${element(proxyCertificate)}`, 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }
    const bound = await certificateRequest(client2, headers)
    await expect(bound.guard.verify(bound.request)).resolves.toBeDefined()
    const proxyBound = await certificateRequest(proxyCertificate, headers)
    await expect(proxyBound.guard.verify(proxyBound.request)).rejects.toMatchObject({ code: 'ERR_MTLS_CERTIFICATE_MISMATCH' })
  })

  it('FWD-19 an XFCC line a client left inside an open quote, Envoy appending to it, holds no certificate', async () => {
    const headers = { 'x-forwarded-client-cert': `Hash=${Buffer.from(client2.thumbprint, 'base64url').toString('hex')};By=",${element(attacker)}`, 'x-forwarded-for': '203.0.113.9' }
    const stolen = await certificateRequest(client2, headers)
    await expect(stolen.guard.verify(stolen.request)).rejects.toMatchObject({ code: 'ERR_MTLS_CERTIFICATE_MISSING' })
  })

  it('FWD-15 XFCC through one trusted Envoy: an element the client wrote before it is not used', async () => {
    const headers = { 'x-forwarded-client-cert': `${element(attacker)},${element(client2)}`, 'x-forwarded-for': '203.0.113.9' }
    const stolen = await certificateRequest(attacker, headers)
    await expect(stolen.guard.verify(stolen.request)).rejects.toMatchObject({ code: 'ERR_MTLS_CERTIFICATE_MISMATCH' })
    const own = await certificateRequest(client2, headers)
    await expect(own.guard.verify(own.request)).resolves.toBeDefined()
  })
})
