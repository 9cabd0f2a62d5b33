/**
 * Issue 17, "say why, fail fast": `guard.ready()` fails at startup with the precise reason (READY-*),
 * and every refusal keeps the operator's cause — on the `GuardError`, in the `onDecision` event, and
 * under `NODE_DEBUG=fapi-guard` — while the client's answer stays the RFC 6750/9449 one (DIAG-*).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { createGuard, type DecisionEvent, type GuardError, type GuardOptions } from '../../src/node/index.js'
import { createClient, type Client } from '../support/dpop-kit.js'
import { closedPortURL, keyServersPerTest } from '../support/key-server.js'
import { NOW, API, TestClock, requestLike, refusal } from '../support/kit.js'

const RS = 'https://rs.example.com/'

let local: LocalIssuer
const keyServer = keyServersPerTest()
beforeAll(async () => {
  local = await createLocalIssuer({ algorithms: ['ES256'], audience: RS })
})
afterAll(() => local.close())

function guardFor(extra: Partial<GuardOptions> & Pick<GuardOptions, 'issuer'>, events?: DecisionEvent[]) {
  return createGuard({
    audience: RS,
    profile: 'oauth2',
    clock: new TestClock().now,
    httpTimeout: 1000,
    ...(events !== undefined && { onDecision: (event: DecisionEvent) => void events.push(event) }),
    ...extra,
  })
}

/** The message of `guard.ready()`'s rejection. */
async function notReady(promise: Promise<void>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(Error)
    return (error as Error).message
  }
  return expect.fail('guard.ready() resolved')
}

describe('READY: guard.ready() loads every issuer now, or says precisely why not', () => {
  it('READY-01 a reachable issuer: resolves, and the first request then fetches nothing', async () => {
    const guard = guardFor({ issuer: local.issuer })
    const before = [...local.hits.values()].reduce((a, b) => a + b, 0)
    await guard.ready()
    const loaded = [...local.hits.values()].reduce((a, b) => a + b, 0)
    expect(loaded).toBeGreaterThan(before)
    await guard.verify(requestLike({ token: await local.mint({}, { now: NOW }) }))
    expect([...local.hits.values()].reduce((a, b) => a + b, 0)).toBe(loaded)
  })

  it('READY-02 inline keys are ready at once, with no fetch', async () => {
    await expect(guardFor({ issuer: 'https://as.example.com', jwks: { keys: [local.keys[0]?.publicJwk as never] } }).ready()).resolves.toBeUndefined()
  })

  it('READY-03 metadata naming the issuer without the configured trailing slash: the mismatch, with the hint', async () => {
    const server = await keyServer()
    server.route('/.well-known/oauth-authorization-server', { body: { issuer: server.origin, jwks_uri: `${server.origin}/jwks` } })
    const message = await notReady(guardFor({ issuer: `${server.origin}/` }).ready())
    expect(message).toContain(`names the issuer "${server.origin}", not the configured "${server.origin}/" (they differ only by a trailing slash)`)
  })

  it('READY-04 discovery answering 404 and HTML: each URL with its status, "not JSON"', async () => {
    const server = await keyServer()
    server.route('/.well-known/openid-configuration', { body: '<html>login</html>', headers: { 'content-type': 'text/html' } })
    const message = await notReady(guardFor({ issuer: server.origin }).ready())
    expect(message).toContain(`GET ${server.origin}/.well-known/oauth-authorization-server answered 404`)
    expect(message).toContain(`GET ${server.origin}/.well-known/openid-configuration answered something that is not JSON`)
  })

  it('READY-05 a refused connection says so (ECONNREFUSED)', async () => {
    const jwksUri = await closedPortURL()
    const message = await notReady(guardFor({ issuer: 'https://as.example.com', jwksUri }).ready())
    expect(message).toContain(`issuer "https://as.example.com": GET ${jwksUri} failed (ECONNREFUSED)`)
  })

  it('READY-06 a key server that does not answer in time: the timeout', async () => {
    const server = await keyServer({ '/jwks': { delayMs: 5000, body: { keys: [] } } })
    const message = await notReady(guardFor({ issuer: 'https://as.example.com', jwksUri: server.url('/jwks'), httpTimeout: 100 }).ready())
    expect(message).toContain(`GET ${server.url('/jwks')} timed out after 100 ms`)
  })

  it('READY-07 several issuers: every failing one is named; a key set that is no JWKS says so', async () => {
    const server = await keyServer({ '/jwks': { body: { not: 'a key set' } } })
    const guard = guardFor({ issuer: [local.issuer, { issuer: 'https://b.example.com', jwksUri: server.url('/jwks') }] })
    const message = await notReady(guard.ready())
    expect(message).toContain(`issuer "https://b.example.com": GET ${server.url('/jwks')} answered something that is not a JSON Web Key Set`)
    expect(message).not.toContain(`issuer "${local.issuer}"`)
  })
})

describe('DIAG: each refusal keeps the operator\'s cause; the client still gets only the RFC answer', () => {
  it('DIAG-01 an "iss" that differs by a trailing slash: both values and the hint, in the cause and the event', async () => {
    const events: DecisionEvent[] = []
    const guard = guardFor({ issuer: local.issuer }, events)
    const error = await refusal(guard.verify(requestLike({ token: await local.mint({ iss: `${local.issuer}/` }, { now: NOW }) })))
    expect(error.code).toBe('ERR_JWT_ISSUER_INVALID')
    expect(error.toJSON()).toEqual({ error: 'invalid_token', error_description: 'the "iss" claim is not a trusted issuer' })
    const expected = `the token's "iss" is "${local.issuer}/"; trusted issuers: "${local.issuer}" (they differ only by a trailing slash)`
    expect((error.cause as Error).message).toBe(expected)
    expect(events[0]?.cause).toBe(expected)
    expect(error.headers['www-authenticate']).not.toContain(local.issuer)
  })

  it('DIAG-02 an "aud" naming another API: received and expected', async () => {
    const events: DecisionEvent[] = []
    const guard = guardFor({ issuer: local.issuer }, events)
    const error = await refusal(guard.verify(requestLike({ token: await local.mint({ aud: ['https://other.example.com/', 'https://rs.example.com'] }, { now: NOW }) })))
    expect(error.code).toBe('ERR_JWT_AUDIENCE_INVALID')
    expect(events[0]?.cause).toBe(`the token's "aud" is ["https://other.example.com/","https://rs.example.com"]; this API is "${RS}" (they differ only by a trailing slash)`)
  })

  it('DIAG-03 keys unavailable: the fetch that failed is the cause; the description names only the issuer, the event no endpoint address', async () => {
    const events: DecisionEvent[] = []
    const server = await keyServer({ '/jwks': { status: 404, body: { error: 'nope' } } })
    const guard = guardFor({ issuer: 'https://as.example.com', jwksUri: `${server.url('/jwks')}?api_key=s3cret` }, events)
    const token = await local.mint({ iss: 'https://as.example.com' }, { now: NOW })
    const error = await refusal(guard.verify(requestLike({ token: token })))
    expect(error.code).toBe('ERR_JWKS_UNAVAILABLE')
    expect(error.description).toBe('the keys of issuer "https://as.example.com" are unavailable')
    // The operator's GuardError.cause names the URL (no query); the audit event only the kind of endpoint.
    expect((error.cause as Error).message).toBe(`GET ${server.url('/jwks')} answered 404`)
    expect(events[0]?.cause).toBe('the jwks_uri answered 404')
    expect(JSON.stringify(events[0])).not.toContain('s3cret')
    expect(JSON.stringify(events[0])).not.toContain(server.origin)
  })

  describe('DIAG-04 an htu mismatch behind a TLS-terminating proxy that is not trusted', () => {
    const clock = new TestClock()
    let client: Client
    beforeAll(async () => {
      client = await createClient(local, clock)
    })

    it('names the URL the API computed, the proof\'s htu, and the forwarded headers ignored from the peer', async () => {
      const events: DecisionEvent[] = []
      const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: clock.now, onDecision: (event) => void events.push(event) })
      const proof = await createDPoPProof({ key: client.key, method: 'GET', url: 'https://api.example.com/x?q=1', accessToken: client.token, iat: clock.seconds })
      const request = requestLike({ scheme: 'DPoP', token: client.token, proof, url: 'http://10.0.0.5:8080/x?q=1', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }, peerAddress: '10.0.0.7' })
      const error: GuardError = await refusal(guard.verify(request))
      expect(error.code).toBe('ERR_DPOP_HTU_MISMATCH')
      expect(error.description).toBe('the DPoP proof "htu" does not match the request URL')
      expect(events[0]?.cause).toBe(
        'the API computed "http://10.0.0.5:8080/x" for this request, from the request itself: x-forwarded-proto, x-forwarded-host came from peer 10.0.0.7, which is not in proxy.trusted, and were ignored; the proof\'s "htu" is "https://api.example.com/x"',
      )
    })
  })
})

describe('DIAG-05 NODE_DEBUG=fapi-guard prints every decision with its cause', () => {
  const script = fileURLToPath(new URL('./debug-child.ts', import.meta.url))
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 })

  it('on stderr when NODE_DEBUG names fapi-guard, and nothing otherwise', () => {
    const on = run({ NODE_DEBUG: 'fapi-guard' })
    expect(on.status, on.stderr).toBe(0)
    expect(on.stderr).toMatch(/FAPI-GUARD \d+: refused 401 ERR_JWT_ISSUER_INVALID: the "iss" claim is not a trusted issuer — the token's "iss" is "https:\/\/evil.example"; trusted issuers: "https:\/\/as.example.com"/)
    const off = run({ NODE_DEBUG: '' })
    expect(off.status, off.stderr).toBe(0)
    expect(off.stderr).not.toContain('FAPI-GUARD')
  })
})
