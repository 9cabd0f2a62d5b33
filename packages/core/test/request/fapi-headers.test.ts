/**
 * FAPI request headers (standards.md §11): `x-fapi-interaction-id` echoed or generated on every
 * response of a protected route, success and refusal (FAPI1-03); `x-fapi-customer-ip-address` never a
 * reason to refuse and passed through (FAPI1-04); `x-fapi-auth-date` passed through (FAPI1-09).
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDPoPKey,
  createDPoPProof,
  createLocalIssuer,
  createTestCertificate,
  type DPoPKey,
  type LocalIssuer,
  type TestCertificate,
} from '@fapi-guard/testing'
import type { DecisionEvent, GuardError, GuardOptions, RequestLike } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { NOW, API, TestClock, requestLike, refusal } from '../support/kit.js'

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as {
  fapi: { x_fapi_interaction_id_example: string; x_fapi_customer_ip_address_examples: string[]; x_fapi_auth_date_example: string }
}
/** `c770aef3-6784-41f7-8e0e-ff5f97bddb3a` (FAPI 1.0 Part 1 example). */
const INTERACTION_ID = vectors.fapi.x_fapi_interaction_id_example
/** `2001:DB8::1893:25c8:1946` and `198.51.100.119`. */
const CUSTOMER_IPS = vectors.fapi.x_fapi_customer_ip_address_examples
/** `Tue, 11 Sep 2012 19:43:31 GMT`. */
const AUTH_DATE = vectors.fapi.x_fapi_auth_date_example
/** RFC 4122 UUID (variant 10xx, version 1–8 with RFC 9562). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
const HEADER = 'x-fapi-interaction-id'

let local: LocalIssuer
let key: DPoPKey
let cert: TestCertificate

beforeAll(async () => {
  local = await createLocalIssuer()
  key = await createDPoPKey()
  cert = createTestCertificate('fapi-headers')
})
afterAll(() => local.close())

/** A DPoP request for `API` with a fresh proof and a token bound to `key`. */
async function dpopRequest(headers: Record<string, string | string[]> = {}, claims: Record<string, unknown> = {}): Promise<RequestLike> {
  const token = await local.mint({ cnf: { jkt: key.thumbprint }, scope: 'accounts:read', ...claims }, { now: NOW })
  const proof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat: NOW })
  return requestLike({ authorization: `DPoP ${token}`, headers: { ...headers, dpop: proof } })
}

/** A Bearer request with a certificate-bound token and the matching client certificate (FAPI 1.0 Advanced). */
async function mtlsRequest(headers: Record<string, string | string[]> = {}, claims: Record<string, unknown> = {}): Promise<RequestLike> {
  const token = await local.mint({ cnf: { 'x5t#S256': cert.thumbprint }, scope: 'accounts:read', ...claims }, { now: NOW })
  return requestLike({ authorization: `Bearer ${token}`, headers, clientCertificate: cert.der })
}

describe('FAPI1-03 x-fapi-interaction-id', () => {
  function guardWith(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: new TestClock().now, ...extra })
  }

  /** A guard with `interactionId: true` that records every `onDecision` event. */
  function recordingGuard() {
    const events: DecisionEvent[] = []
    return { guard: guardWith({ interactionId: true, onDecision: (event) => void events.push(event) }), events }
  }
  const withId = { [HEADER]: INTERACTION_ID }

  it('with `interactionId: true` the client value is echoed byte for byte on success, in responseHeaders and on the AuthContext', async () => {
    const auth = await guardWith({ interactionId: true }).verify(await dpopRequest(withId))
    expect(auth.interactionId).toBe(INTERACTION_ID)
    expect(auth.responseHeaders).toEqual({ [HEADER]: INTERACTION_ID })
  })

  it('fapi1-advanced echoes it by default (FAPI 1.0 Part 1 §6.2.1 "shall")', async () => {
    const auth = await guardWith({ profile: 'fapi1-advanced' }).verify(await mtlsRequest(withId))
    expect(auth.binding).toEqual({ mtls: { x5tS256: cert.thumbprint } })
    expect(auth.interactionId).toBe(INTERACTION_ID)
    expect(auth.responseHeaders[HEADER]).toBe(INTERACTION_ID)
  })

  it('the header name is matched case-insensitively, in a record and in Fetch Headers', async () => {
    const guard = guardWith({ interactionId: true })
    expect((await guard.verify(await dpopRequest({ 'X-FAPI-Interaction-ID': INTERACTION_ID }))).interactionId).toBe(INTERACTION_ID)
    const fetchRequest = new Request(API, { headers: { 'X-Fapi-Interaction-Id': INTERACTION_ID } })
    expect((await refusal(guard.verify(fetchRequest))).headers[HEADER]).toBe(INTERACTION_ID)
  })

  it('every refusal carries the client value too: 400, 401, 403, 503, and step-up', async () => {
    const guard = guardWith({ interactionId: true })
    const refusals: Array<[number, GuardError]> = [
      [400, await refusal(guard.verify(requestLike({ authorization: 'Bearer a"b', headers: withId })))],
      [401, await refusal(guard.verify(requestLike({ authorization: undefined, headers: withId })))],
      [401, await refusal(guard.verify(requestLike({ authorization: `DPoP ${await local.mint({ cnf: { jkt: key.thumbprint } }, { now: NOW })}`, headers: withId })))],
      [403, await refusal(guard.verify(await dpopRequest(withId), { scopes: ['accounts:write'] }))],
      [401, await refusal(guard.verify(await dpopRequest(withId, { acr: 'low' }), { acrValues: ['high'] }))],
    ]
    const down = guardWith({ interactionId: true, jwksUri: 'http://127.0.0.1:1/jwks' })
    refusals.push([503, await refusal(down.verify(await dpopRequest(withId)))])
    for (const [status, error] of refusals) {
      expect(error.status, error.code).toBe(status)
      expect(error.headers[HEADER], error.code).toBe(INTERACTION_ID)
      if (status === 503) expect(error.headers['retry-after']).toBeDefined()
      else expect(error.headers['www-authenticate'], error.code).toBeDefined()
    }
  })

  it('a per-route refusal by authorize(auth, …) carries the request\'s id', async () => {
    const guard = guardWith({ interactionId: true })
    const auth = await guard.verify(await dpopRequest(withId))
    let error: GuardError | undefined
    try {
      guard.authorize(auth, { scopes: ['accounts:write'] })
    } catch (caught) {
      error = caught as GuardError
    }
    expect(error?.status).toBe(403)
    expect(error?.headers[HEADER]).toBe(INTERACTION_ID)
    expect(guard.toGuardError(error)).toBe(error)
  })

  it('none sent → a new RFC 4122 UUID, on success and on refusal, different each time', async () => {
    const guard = guardWith({ interactionId: true })
    const first = await guard.verify(await dpopRequest())
    const second = await guard.verify(await dpopRequest())
    expect(first.interactionId).toMatch(UUID)
    expect(first.responseHeaders[HEADER]).toBe(first.interactionId)
    expect(second.interactionId).toMatch(UUID)
    expect(second.interactionId).not.toBe(first.interactionId)
    const refused = await refusal(guard.verify(requestLike({ authorization: undefined })))
    expect(refused.headers[HEADER]).toMatch(UUID)
  })

  it('an unsafe value (control characters, spaces, over 128 characters, non-ASCII, empty) is replaced by a UUID, never echoed', async () => {
    const guard = guardWith({ interactionId: true })
    const unsafe = ['abc\u0001def', 'a\r\nset-cookie: x=1', 'has space', 'tab\there', 'x'.repeat(129), 'résumé', '', '\u007f']
    for (const value of unsafe) {
      const auth = await guard.verify(await dpopRequest({ [HEADER]: value }))
      expect(auth.interactionId, JSON.stringify(value)).toMatch(UUID)
      expect(auth.responseHeaders[HEADER]).toBe(auth.interactionId)
      const error = await refusal(guard.verify(requestLike({ authorization: undefined, headers: { [HEADER]: value } })))
      expect(error.headers[HEADER], JSON.stringify(value)).toMatch(UUID)
    }
  })

  // Issue 14 class 6: FAPI says the value is an RFC 4122 UUID; only a UUID is echoed.
  it.each([
    ['FAPIID-01 a lowercase v4 UUID', INTERACTION_ID],
    ['FAPIID-02 an uppercase UUID (RFC 4122 §3: case-insensitive on input)', INTERACTION_ID.toUpperCase()],
    ['FAPIID-03 a v1 UUID', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
    ['FAPIID-04 a v7 UUID (RFC 9562)', '01890a5d-ac96-774b-bcce-b302099a8057'],
  ])('%s is echoed byte for byte', async (_, value) => {
    const { guard, events } = recordingGuard()
    const auth = await guard.verify(await dpopRequest({ [HEADER]: value }))
    expect(auth.interactionId).toBe(value)
    expect(auth.responseHeaders[HEADER]).toBe(value)
    expect(events[0]?.interactionId).toBe(value)
    expect(events[0]).not.toHaveProperty('interactionIdReplaced')
  })

  it.each([
    ['FAPIID-05 a label', 'req-42'],
    ['FAPIID-06 printable ASCII of UUID length', 'x'.repeat(36)],
    ['FAPIID-07 a UUID with a suffix', `${INTERACTION_ID}-extra`],
    ['FAPIID-08 a UUID in braces', `{${INTERACTION_ID}}`],
    ['FAPIID-09 a UUID without hyphens', INTERACTION_ID.replace(/-/g, '')],
    ['FAPIID-10 the nil UUID', '00000000-0000-0000-0000-000000000000'],
    ['FAPIID-11 a UUID of the wrong variant (Microsoft GUID, 110x)', 'c770aef3-6784-41f7-ce0e-ff5f97bddb3a'],
    ['FAPIID-12 version 0', 'c770aef3-6784-01f7-8e0e-ff5f97bddb3a'],
    ['FAPIID-13 a URL', 'https://attacker.example/x'],
    ['FAPIID-14 a header-injection attempt', `${INTERACTION_ID}\r\nset-cookie: x=1`],
  ])('%s is replaced by a new UUID, on success and on refusal, and the event says it was replaced', async (_, value) => {
    const { guard, events } = recordingGuard()
    const auth = await guard.verify(await dpopRequest({ [HEADER]: value }))
    expect(auth.interactionId).toMatch(UUID)
    expect(auth.interactionId).not.toBe(value)
    expect(auth.responseHeaders[HEADER]).toBe(auth.interactionId)
    expect(events[0]).toMatchObject({ interactionId: auth.interactionId, interactionIdReplaced: true })
    const error = await refusal(guard.verify(requestLike({ authorization: undefined, headers: { [HEADER]: value } })))
    expect(error.headers[HEADER]).toMatch(UUID)
    expect(events[1]).toMatchObject({ outcome: 'refused', interactionId: error.headers[HEADER], interactionIdReplaced: true })
  })

  it('FAPIID-15 no header sent → a new UUID, and the event does not call it replaced', async () => {
    const { guard, events } = recordingGuard()
    const auth = await guard.verify(await dpopRequest())
    expect(auth.interactionId).toMatch(UUID)
    expect(events[0]?.interactionId).toBe(auth.interactionId)
    expect(events[0]).not.toHaveProperty('interactionIdReplaced')
  })

  it('FAPIID-16 surrounding whitespace is not part of the value', async () => {
    const guard = guardWith({ interactionId: true })
    expect((await guard.verify(await dpopRequest({ [HEADER]: ` ${INTERACTION_ID} ` }))).interactionId).toBe(INTERACTION_ID)
  })

  it('off by default under fapi2 and oauth2, and with `interactionId: false` under fapi1-advanced: no header anywhere', async () => {
    const cases: Array<[Partial<GuardOptions>, () => Promise<RequestLike>]> = [
      [{}, () => dpopRequest(withId)],
      [{ profile: 'oauth2', dpop: false }, async () => requestLike({ authorization: `Bearer ${await local.mint({}, { now: NOW })}`, headers: withId })],
      [{ profile: 'fapi1-advanced', interactionId: false }, () => mtlsRequest(withId)],
    ]
    for (const [options, makeRequest] of cases) {
      const guard = guardWith(options)
      const auth = await guard.verify(await makeRequest())
      expect(auth.interactionId).toBeUndefined()
      expect(auth.responseHeaders).toEqual({})
      const error = await refusal(guard.verify(requestLike({ authorization: undefined, headers: withId })))
      expect(error.headers).not.toHaveProperty(HEADER)
    }
  })

  it('`interactionId` must be a boolean', () => {
    for (const interactionId of ['yes', 1, null]) {
      expect(() => guardWith({ interactionId: interactionId as never }), String(interactionId)).toThrow(/"interactionId"/)
    }
  })
})

describe('FAPI1-04 / FAPI1-09 customer IP address and auth date', () => {
  function guardWith(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: new TestClock().now, ...extra })
  }

  it('FAPI1-04 a valid IPv6 or IPv4 customer address never causes a refusal and reaches auth.fapi untouched', async () => {
    for (const address of CUSTOMER_IPS) {
      const fapi2 = await guardWith().verify(await dpopRequest({ 'x-fapi-customer-ip-address': address }))
      expect(fapi2.fapi).toEqual({ customerIpAddress: address })
      const fapi1 = await guardWith({ profile: 'fapi1-advanced' }).verify(await mtlsRequest({ 'x-fapi-customer-ip-address': address }))
      expect(fapi1.fapi?.customerIpAddress).toBe(address)
    }
    // Byte for byte: the IPv6 example keeps its mixed case, no normalization to 2001:db8::….
    expect(CUSTOMER_IPS[0]).toBe('2001:DB8::1893:25c8:1946')
  })

  it('FAPI1-04 the header plays no part in the decision: refusals keep their own reason, and it is not a forwarded address', async () => {
    const guard = guardWith({ proxy: { trusted: ['10.0.0.0/8'] } })
    for (const address of [...CUSTOMER_IPS, 'not-an-ip', '999.1.1.1']) {
      const error = await refusal(guard.verify(requestLike({ authorization: undefined, headers: { 'x-fapi-customer-ip-address': address } })))
      expect(error.code).toBe('ERR_NO_CREDENTIALS')
      // Even a value that is no address is no reason to refuse; it is handed on as sent.
      const auth = await guard.verify(await dpopRequest({ 'x-fapi-customer-ip-address': address }))
      expect(auth.fapi?.customerIpAddress).toBe(address)
    }
  })

  it('FAPI1-09 x-fapi-auth-date passes through untouched (together with the customer address)', async () => {
    const guard = guardWith()
    const auth = await guard.verify(await dpopRequest({ 'x-fapi-auth-date': AUTH_DATE, 'x-fapi-customer-ip-address': CUSTOMER_IPS[1] as string }))
    expect(auth.fapi).toEqual({ authDate: AUTH_DATE, customerIpAddress: CUSTOMER_IPS[1] })
    const odd = await guard.verify(await dpopRequest({ 'x-fapi-auth-date': 'yesterday, more or less' }))
    expect(odd.fapi).toEqual({ authDate: 'yesterday, more or less' })
  })

  it('without these headers auth.fapi is absent', async () => {
    const auth = await guardWith().verify(await dpopRequest())
    expect(auth.fapi).toBeUndefined()
    expect(auth).not.toHaveProperty('fapi')
  })
})
