/**
 * Audit events (`onDecision`): what an accepted and a refused `verify` report — outcome, status,
 * error and code, who (issuer, client, subject), the binding, the checks in order, the key id, DPoP
 * nonce and replay outcomes, the proxy decision, the interaction id, the duration — and what they
 * never carry (token, proof, secrets). A failing hook never changes a decision; `logDecisions`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createDPoPKey,
  createDPoPProof,
  createLocalIssuer,
  createTestCertificate,
  type DPoPKey,
  type LocalIssuer,
  type TestCertificate,
} from '@fapi-guard/testing'
import { logDecisions, PROFILE_ALGORITHMS, type AuthContext, type DecisionEvent, type GuardError, type GuardOptions, type RequestLike } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { flipSignatureBit } from '../support/jws.js'
import { NOW, API, requestLike, refusal } from '../support/kit.js'

const CLIENT_ID = 'rs-client'
const CLIENT_SECRET = 'rs-secret-do-not-log-0123456789'
const NONCE_SECRET = 'nonce-secret-of-at-least-32-bytes-0123'
const NONCE_LIFETIME = 120
const INTERACTION_ID = 'c770aef3-6784-41f7-8e0e-ff5f97bddb3a'
const ALL_CHECKS = ['credentials', 'jwt', 'binding', 'authorization']

let local: LocalIssuer
let key: DPoPKey
let cert: TestCertificate

beforeAll(async () => {
  local = await createLocalIssuer({ introspectionClient: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } })
  key = await createDPoPKey()
  cert = createTestCertificate('audit')
})
afterAll(() => local.close())

/** A clock in seconds, moved by hand. */
function movableClock(seconds = NOW) {
  const clock = { seconds, now: () => clock.seconds * 1000 }
  return clock
}

/** A token bound to `key` and a request carrying it with a fresh proof (or the proof options given). */
async function dpopCall(
  options: { claims?: Record<string, unknown>; nonce?: string; iat?: number; headers?: Record<string, string>; peerAddress?: string; token?: string } = {},
): Promise<{ request: RequestLike; token: string; proof: string }> {
  const iat = options.iat ?? NOW
  const token = options.token ?? (await local.mint({ cnf: { jkt: key.thumbprint }, scope: 'accounts:read', ...options.claims }, { now: NOW, expiresIn: 3600 }))
  const proof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat, ...(options.nonce !== undefined && { nonce: options.nonce }) })
  const request: RequestLike = {
    ...requestLike({ authorization: `DPoP ${token}`, headers: { ...options.headers, dpop: proof } }),
    ...(options.peerAddress !== undefined && { peerAddress: options.peerAddress }),
  }
  return { request, token, proof }
}

describe('onDecision events', () => {
  /** A guard that records its events. */
  function recording(extra: Partial<GuardOptions> = {}) {
    const events: DecisionEvent[] = []
    const guard = createGuard({
      issuer: local.issuer,
      jwksUri: local.jwksUri,
      audience: local.audience,
      clock: () => NOW * 1000,
      onDecision: (event) => events.push(event),
      ...extra,
    })
    return { guard, events }
  }

  function expectDuration(event: DecisionEvent): void {
    expect(Number.isInteger(event.durationMicros)).toBe(true)
    expect(event.durationMicros).toBeGreaterThanOrEqual(0)
  }

  it('an accepted DPoP request: who, binding "dpop", every check in order, kid, replay "first-use", proxy, duration; no refusal members', async () => {
    const { guard, events } = recording()
    const { request } = await dpopCall()
    const auth = await guard.verify(request)
    expect(events).toHaveLength(1)
    const [event] = events as [DecisionEvent]
    expect(event).toEqual({
      outcome: 'accepted',
      issuer: local.issuer,
      clientId: 'client-1',
      subject: 'user-1',
      binding: 'dpop',
      checks: ALL_CHECKS,
      kid: local.keys[0]?.kid,
      dpop: { replay: 'first-use' },
      proxy: { peerAddress: undefined, trusted: false },
      durationMicros: expect.any(Number),
    })
    for (const member of ['status', 'error', 'code', 'description', 'interactionId']) expect(event).not.toHaveProperty(member)
    expect(event.issuer).toBe(auth.issuer)
    expectDuration(event)
  })

  it('binding "mtls" for a certificate-bound token, "dpop+mtls" for one bound both ways, "none" for an unbound oauth2 token', async () => {
    const { guard, events } = recording()
    const mtlsToken = await local.mint({ cnf: { 'x5t#S256': cert.thumbprint } }, { now: NOW })
    await guard.verify(requestLike({ authorization: `Bearer ${mtlsToken}`, clientCertificate: cert.der }))
    const bothToken = await local.mint({ cnf: { jkt: key.thumbprint, 'x5t#S256': cert.thumbprint } }, { now: NOW })
    const bothProof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: bothToken, iat: NOW })
    await guard.verify(requestLike({ authorization: `DPoP ${bothToken}`, headers: { dpop: bothProof }, clientCertificate: cert.der }))
    const plain = recording({ profile: 'oauth2', dpop: false })
    await plain.guard.verify(requestLike({ authorization: `Bearer ${await local.mint({}, { now: NOW })}` }))
    expect(events.map((event) => event.binding)).toEqual(['mtls', 'dpop+mtls'])
    expect(events[0]).not.toHaveProperty('dpop')
    expect(events[1]?.dpop).toEqual({ replay: 'first-use' })
    expect(plain.events[0]).toMatchObject({ outcome: 'accepted', binding: 'none', checks: ALL_CHECKS })
    expect(plain.events[0]).not.toHaveProperty('dpop')
  })

  it('an introspected token: checks name "introspection", and there is no kid', async () => {
    const { guard, events } = recording({
      profile: 'oauth2',
      dpop: false,
      introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint: local.introspectionEndpoint, cache: false },
    })
    await guard.verify(requestLike({ authorization: `Bearer ${local.issueOpaque({ iat: NOW, exp: NOW + 600 })}` }))
    expect(events[0]).toMatchObject({ outcome: 'accepted', checks: ['credentials', 'introspection', 'binding', 'authorization'], binding: 'none' })
    expect(events[0]).not.toHaveProperty('kid')
  })

  it('refusals: status, error, code and description; the checks that completed; nothing about who', async () => {
    const { guard, events } = recording({ scopes: ['accounts:write'] })
    const noCredentials = await refusal(guard.verify(requestLike({ authorization: undefined })))
    const badSignature = await refusal(guard.verify(requestLike({ authorization: `Bearer ${flipSignatureBit(await local.mint({}, { now: NOW }))}` })))
    const scope = await refusal(guard.verify((await dpopCall()).request))
    expect(events.map((event) => [event.outcome, event.status, event.error, event.code, event.checks])).toEqual([
      ['refused', 401, undefined, 'ERR_NO_CREDENTIALS', []],
      ['refused', 401, 'invalid_token', 'ERR_JWT_SIGNATURE_INVALID', ['credentials']],
      ['refused', 403, 'insufficient_scope', 'ERR_INSUFFICIENT_SCOPE', ['credentials', 'jwt', 'binding']],
    ])
    expect(events.map((event) => event.description)).toEqual([noCredentials, badSignature, scope].map((error) => error.description))
    for (const event of events) {
      for (const member of ['issuer', 'clientId', 'subject', 'binding']) expect(event, event.code).not.toHaveProperty(member)
      expectDuration(event)
    }
    // The key had verified the token before the scope check refused it.
    expect(events[2]?.kid).toBe(local.keys[0]?.kid)
    expect(events[0]).not.toHaveProperty('kid')
  })

  it('a DPoP request refused after its proof was accepted still reports replay "first-use" (its jti is spent)', async () => {
    const { guard, events } = recording({ scopes: ['accounts:write'] })
    await refusal(guard.verify((await dpopCall()).request))
    expect(events[0]).toMatchObject({ outcome: 'refused', code: 'ERR_INSUFFICIENT_SCOPE', dpop: { replay: 'first-use' } })
  })

  it('DPoP nonce states "missing", "valid", "renewed", "invalid", and replay "replayed"', async () => {
    const clock = movableClock()
    const { guard, events } = recording({ clock: clock.now, dpop: { nonce: { secret: NONCE_SECRET, lifetime: NONCE_LIFETIME } } })
    const missing = await refusal(guard.verify((await dpopCall()).request))
    expect(missing.code).toBe('ERR_DPOP_NONCE_REQUIRED')
    const nonce = missing.headers['dpop-nonce'] as string
    expect(nonce).toBeTruthy()
    const valid = await dpopCall({ nonce })
    await guard.verify(valid.request)
    clock.seconds += NONCE_LIFETIME
    const renewed: AuthContext = await guard.verify((await dpopCall({ nonce, iat: clock.seconds })).request)
    expect(renewed.responseHeaders['dpop-nonce']).toBeTruthy()
    await refusal(guard.verify((await dpopCall({ nonce: 'not-a-nonce-of-ours', iat: clock.seconds })).request))
    const replayed = await refusal(guard.verify(valid.request))
    expect(replayed.code).toBe('ERR_DPOP_PROOF_REPLAYED')
    expect(events.map((event) => [event.outcome, event.dpop])).toEqual([
      ['refused', { nonce: 'missing' }],
      ['accepted', { nonce: 'valid', replay: 'first-use' }],
      ['accepted', { nonce: 'renewed', replay: 'first-use' }],
      ['refused', { nonce: 'invalid' }],
      ['refused', { replay: 'replayed' }],
    ])
  })

  it('the renewed DPoP-Nonce and the interaction id are both in responseHeaders', async () => {
    const clock = movableClock()
    const { guard, events } = recording({ clock: clock.now, interactionId: true, dpop: { nonce: { secret: NONCE_SECRET, lifetime: NONCE_LIFETIME } } })
    const nonce = (await refusal(guard.verify((await dpopCall()).request))).headers['dpop-nonce'] as string
    clock.seconds += NONCE_LIFETIME
    const auth = await guard.verify((await dpopCall({ nonce, iat: clock.seconds, headers: { 'x-fapi-interaction-id': INTERACTION_ID } })).request)
    expect(auth.responseHeaders['dpop-nonce']).toBeTruthy()
    expect(auth.responseHeaders['x-fapi-interaction-id']).toBe(INTERACTION_ID)
    expect(events[1]).toMatchObject({ dpop: { nonce: 'renewed' }, interactionId: INTERACTION_ID })
  })

  it('the proxy decision: the peer address and whether it is a trusted proxy', async () => {
    const { guard, events } = recording({ proxy: { trusted: ['10.0.0.0/8', 'loopback'] } })
    for (const peerAddress of ['10.1.2.3', '203.0.113.9', '::1', '::ffff:10.0.0.1']) {
      await guard.verify((await dpopCall({ peerAddress })).request)
    }
    await refusal(guard.verify({ ...requestLike(), peerAddress: '198.51.100.7' }))
    expect(events.map((event) => event.proxy)).toEqual([
      { peerAddress: '10.1.2.3', trusted: true },
      { peerAddress: '203.0.113.9', trusted: false },
      { peerAddress: '::1', trusted: true },
      { peerAddress: '::ffff:10.0.0.1', trusted: true },
      { peerAddress: '198.51.100.7', trusted: false },
    ])
  })

  it('the interaction id, on acceptance and on refusal, is the one sent back', async () => {
    const { guard, events } = recording({ interactionId: true })
    const auth = await guard.verify((await dpopCall({ headers: { 'x-fapi-interaction-id': INTERACTION_ID } })).request)
    const error = await refusal(guard.verify(requestLike({ authorization: undefined })))
    expect(events[0]?.interactionId).toBe(INTERACTION_ID)
    expect(events[0]?.interactionId).toBe(auth.interactionId)
    expect(events[1]?.interactionId).toBe(error.headers['x-fapi-interaction-id'])
    expect(events[1]?.interactionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('never the token, the proof or the client secret, whatever the outcome', async () => {
    const jwt = recording({ dpop: { nonce: { secret: NONCE_SECRET } } })
    const introspecting = recording({
      profile: 'oauth2',
      introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint: local.introspectionEndpoint, cache: false },
    })
    const down = recording({
      profile: 'oauth2',
      introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoint: 'http://127.0.0.1:1/introspect', cache: false },
    })
    const secrets: string[] = [CLIENT_SECRET, NONCE_SECRET]
    const remember = (...values: string[]) => {
      for (const value of values) secrets.push(value, ...value.split('.').filter((part) => part.length > 20))
    }
    // JWT with DPoP: nonce missing, accepted, replayed, wrong key.
    const first = await dpopCall()
    remember(first.token, first.proof)
    const nonce = (await refusal(jwt.guard.verify(first.request))).headers['dpop-nonce'] as string
    const good = await dpopCall({ nonce })
    remember(good.token, good.proof)
    await jwt.guard.verify(good.request)
    await refusal(jwt.guard.verify(good.request))
    const tampered = flipSignatureBit(good.token)
    remember(tampered)
    await refusal(jwt.guard.verify(requestLike({ authorization: `DPoP ${tampered}`, headers: { dpop: good.proof } })))
    // Introspection: accepted, inactive, endpoint down.
    const opaque = local.issueOpaque({ iat: NOW, exp: NOW + 600 })
    const revoked = local.issueOpaque({ iat: NOW, exp: NOW + 600 })
    local.revoke(revoked)
    remember(opaque, revoked)
    await introspecting.guard.verify(requestLike({ authorization: `Bearer ${opaque}` }))
    await refusal(introspecting.guard.verify(requestLike({ authorization: `Bearer ${revoked}` })))
    const unavailable = await refusal(down.guard.verify(requestLike({ authorization: `Bearer ${opaque}` })))
    expect(unavailable.status).toBe(503)
    const events = [...jwt.events, ...introspecting.events, ...down.events]
    expect(events.map((event) => event.outcome)).toEqual(['refused', 'accepted', 'refused', 'refused', 'accepted', 'refused', 'refused'])
    for (const event of events) {
      const text = JSON.stringify(event)
      for (const secret of secrets) expect(text.includes(secret), `${event.code ?? event.outcome} leaks ${secret.slice(0, 12)}…`).toBe(false)
      expect(text).not.toContain(Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'))
    }
  })

  it('a hook that throws does not change the decision', async () => {
    const hook = vi.fn(() => {
      throw new Error('audit sink down')
    })
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: () => NOW * 1000, onDecision: hook })
    const auth = await guard.verify((await dpopCall()).request)
    expect(auth.binding.dpop?.jkt).toBe(key.thumbprint)
    const error: GuardError = await refusal(guard.verify(requestLike({ authorization: undefined })))
    expect(error.code).toBe('ERR_NO_CREDENTIALS')
    expect(error.headers['www-authenticate']).toBe(`Bearer realm="api", DPoP algs="${PROFILE_ALGORITHMS.fapi2.join(' ')}"`)
    expect(hook).toHaveBeenCalledTimes(2)
  })

  it('an async hook that rejects does not change the decision and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const listener = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', listener)
    try {
      // A plain async function: a vi.fn spy would observe (and so handle) the rejection itself.
      let calls = 0
      const hook = async () => {
        calls++
        throw new Error('async audit sink down')
      }
      const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: () => NOW * 1000, onDecision: hook })
      await expect(guard.verify((await dpopCall()).request)).resolves.toBeDefined()
      expect((await refusal(guard.verify(requestLike({ authorization: undefined })))).code).toBe('ERR_NO_CREDENTIALS')
      expect(calls).toBe(2)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', listener)
    }
  })

  it('exactly one event per verify', async () => {
    const { guard, events } = recording()
    await guard.verify((await dpopCall()).request)
    await refusal(guard.verify(requestLike({ authorization: 'Bearer a"b' })))
    await refusal(guard.verify(null as never))
    expect(events.map((event) => event.code ?? event.outcome)).toEqual(['accepted', 'ERR_AUTHORIZATION_MALFORMED', 'ERR_REQUEST_INVALID'])
  })

  it('`onDecision` must be a function', () => {
    expect(() => recording({ onDecision: 'console.log' as never })).toThrow(/"onDecision"/)
  })
})

describe('logDecisions', () => {
  it('writes acceptances with info and refusals with warn, the event under `fapiGuard`', async () => {
    const logger = { info: vi.fn(), warn: vi.fn() }
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: () => NOW * 1000, onDecision: logDecisions(logger) })
    await guard.verify((await dpopCall()).request)
    expect(logger.info).toHaveBeenCalledTimes(1)
    expect(logger.warn).not.toHaveBeenCalled()
    expect(logger.info).toHaveBeenCalledWith({ fapiGuard: expect.objectContaining({ outcome: 'accepted', binding: 'dpop' }) }, 'fapi-guard accepted a request')
    await refusal(guard.verify(requestLike({ authorization: undefined })))
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(logger.info).toHaveBeenCalledTimes(1)
    expect(logger.warn).toHaveBeenCalledWith({ fapiGuard: expect.objectContaining({ outcome: 'refused', code: 'ERR_NO_CREDENTIALS' }) }, 'fapi-guard refused a request')
  })

  it('a logger that throws does not change the decision', async () => {
    const logger = {
      info: () => {
        throw new Error('disk full')
      },
      warn: () => {
        throw new Error('disk full')
      },
    }
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: () => NOW * 1000, onDecision: logDecisions(logger) })
    await expect(guard.verify((await dpopCall()).request)).resolves.toBeDefined()
    expect((await refusal(guard.verify(requestLike({ authorization: undefined })))).code).toBe('ERR_NO_CREDENTIALS')
  })
})
