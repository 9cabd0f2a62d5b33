/**
 * The introspection exchange (RFC 7662 §2, RFC 9701): the request on the wire, signed responses, the
 * endpoint (configured, from metadata, mTLS alias), and every way the exchange can fail — each a 503
 * `ERR_INTROSPECTION_UNAVAILABLE` with `retry-after`, never access and never a 500.
 */
import type { ServerResponse } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { createGuard } from '../../src/node/index.js'
import { MAX_INTROSPECTION_RESPONSE_BYTES } from '../../src/introspection/introspect-token.js'
import type { DecisionEvent, GuardError } from '../../src/index.js'
import {
  active,
  AUDIENCE,
  CLIENT_ID,
  CLIENT_SECRET,
  closedPort,
  causeOf,
  exposedText,
  guardOptions,
  ISSUER,
  readVectors,
  reply,
  responseKey,
  signedResponse,
  startAS,
  trustServerCertificate,
  unavailable,
  type Handler,
  type ResponseKey,
  type StubAS,
} from './introspection-kit.js'
import { b64u } from '../support/jws.js'
import { NOW, API, TestClock, requestLike, refusal, expectRefusal, invalidToken, INVALID_TOKEN_CHALLENGE } from '../support/kit.js'

const JWT_TYPE = 'application/token-introspection+jwt'
const vectors = readVectors()

let as: StubAS
let key: ResponseKey
beforeAll(async () => {
  as = await startAS()
  key = await responseKey()
})
afterAll(() => as.close())
afterEach(() => {
  as.handler = undefined
  as.client = undefined
  as.metadata = undefined
  as.requests.length = 0
  as.answers.clear()
})

/** Writes `total` bytes of JSON-ish filler, with or without a `content-length`, in 16 KiB chunks. */
function bigBody(total: number, declareLength: boolean): Handler {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...(declareLength && { 'content-length': String(total) }) })
    const body = `{"active":true,"pad":"${'x'.repeat(total - 24)}"}`
    expect(Buffer.byteLength(body)).toBe(total)
    for (let at = 0; at < body.length; at += 16 * 1024) res.write(body.slice(at, at + 16 * 1024))
    res.end()
  }
}

/** A 200 whose body never ends: 64 KiB chunks for as long as the client reads. */
const endlessBody: Handler = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  const pump = (): void => {
    while (!res.destroyed && !res.writableEnded) {
      if (!res.write(chunk)) {
        res.once('drain', pump)
        return
      }
    }
  }
  res.write('{"active":true,"pad":"')
  pump()
}

/** Every fault of the exchange, as a handler of the stub (or `undefined`: the endpoint is a closed port). */
const FAULTS: Record<string, Handler> = {
  'never answers': () => {},
  'stalls after the headers': (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"active":')
  },
  'resets the connection': (_request, res) => {
    res.socket?.destroy()
  },
  '500': (_request, res) => reply(res, 500, { error: 'server_error' }),
  '502': (_request, res) => reply(res, 502, 'Bad Gateway', 'text/html'),
  '503': (_request, res) => reply(res, 503, { error: 'temporarily_unavailable' }),
  '504': (_request, res) => reply(res, 504, ''),
  '401 invalid_client': (_request, res) => reply(res, 401, { error: 'invalid_client' }),
  '400': (_request, res) => reply(res, 400, { error: 'invalid_request' }),
  '404': (_request, res) => reply(res, 404, { error: 'not_found' }),
  '201': (_request, res) => reply(res, 201, { active: true }),
  '204': (_request, res) => {
    res.writeHead(204)
    res.end()
  },
  'non-JSON': (_request, res) => reply(res, 200, '<html>active</html>', 'text/html'),
  'truncated JSON': (_request, res) => reply(res, 200, '{"active":true,'),
  'a JSON array': (_request, res) => reply(res, 200, [{ active: true }]),
  'JSON true': (_request, res) => reply(res, 200, 'true'),
  'JSON null': (_request, res) => reply(res, 200, 'null'),
  'oversized with content-length': bigBody(MAX_INTROSPECTION_RESPONSE_BYTES + 1, true),
  'oversized, chunked': bigBody(MAX_INTROSPECTION_RESPONSE_BYTES + 1, false),
  'a redirect': (_request, res) => {
    res.writeHead(302, { location: '/elsewhere' })
    res.end()
  },
}

describe('introspection exchange', () => {
  it('INTRO-01 request: POST, form content type, token and token_type_hint=access_token, Accept: application/json', async () => {
    const clock = new TestClock()
    as.answers.set('2YotnFZFEjr1zCsicMWpAA', active(clock))
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    await guard.verify(requestLike({ token: '2YotnFZFEjr1zCsicMWpAA' }))
    expect(as.requests).toHaveLength(1)
    const [request] = as.requests
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/introspect')
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.accept).toBe('application/json')
    expect(request?.raw).toBe('token=2YotnFZFEjr1zCsicMWpAA&token_type_hint=access_token')
    expect(request?.headers.authorization).toMatch(/^Basic /)
    // Nothing of the resource request is forwarded (no DPoP proof, no cookie, no resource URL).
    expect(Object.keys(request!.headers).filter((name) => !['host', 'connection', 'content-type', 'content-length', 'accept', 'authorization', 'user-agent', 'accept-language', 'sec-fetch-mode', 'accept-encoding'].includes(name))).toEqual([])
  })

  it('INTRO-09 RFC 7662 §2.1/§2.2 examples: the request on the wire and the active response accepted', async () => {
    const example = vectors.rfc7662_examples
    expect(example.request).toContain('Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW')
    const response = example.active_response
    const clock = new TestClock((response.iat as number) + 60)
    as.answers.set('mF_9.B5f-4.1JqM', response)
    const guard = createGuard({
      issuer: 'https://server.example.com/',
      audience: 'https://protected.example.net/resource',
      profile: 'oauth2',
      clock: clock.now,
      introspection: { endpoint: as.endpoint, clientId: 's6BhdRkqt3', clientSecret: 'gX1fBat3bV', cache: false },
    })
    // The example token has two dots; its first segment is no base64url JSON object, so it is opaque and introspected.
    const auth = await guard.verify(requestLike({ token: 'mF_9.B5f-4.1JqM' }))
    const [request] = as.requests
    expect(request?.headers.authorization).toBe('Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW')
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.accept).toBe('application/json')
    expect(request?.raw).toBe('token=mF_9.B5f-4.1JqM&token_type_hint=access_token')
    expect(example.request.endsWith(`\r\n\r\n${request?.raw}`)).toBe(true)
    expect(auth).toMatchObject({
      source: 'introspection',
      issuer: 'https://server.example.com/',
      subject: 'Z5O3upPC88QrAjx00dis',
      clientId: 'l238j323ds-23ij4',
      scopes: ['read', 'write', 'dolphin'],
      token: 'mF_9.B5f-4.1JqM',
      binding: {},
    })
    expect(auth.claims).toEqual(response)
    expect(auth.claims.extension_field).toBe('twenty-seven')
  })

  it('JWTINTRO-01 a JWT response is asked for with Accept: application/token-introspection+jwt', async () => {
    const clock = new TestClock()
    as.handler = async (_request, res) => reply(res, 200, await signedResponse(key, active(clock)), JWT_TYPE)
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    await guard.verify(requestLike({ token: 'opaque-1' }))
    expect(as.requests[0]?.headers.accept).toBe(JWT_TYPE)
    expect(as.requests[0]?.raw).toBe('token=opaque-1&token_type_hint=access_token')
  })

  it('RFC 9701 a valid signed response is accepted: the claims are those of token_introspection', async () => {
    const clock = new TestClock()
    const inner = active(clock, { scope: 'accounts:read accounts:write', username: 'jdoe' })
    as.handler = async (_request, res) => reply(res, 200, await signedResponse(key, inner), `${JWT_TYPE}; charset=utf-8`)
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    const auth = await guard.verify(requestLike({ token: 'opaque-1' }), { scopes: ['accounts:write'] })
    expect(auth.source).toBe('introspection')
    expect(auth.claims).toEqual(inner)
    expect(auth.scopes).toEqual(['accounts:read', 'accounts:write'])
    expect(auth.claims).not.toHaveProperty('token_introspection')
  })

  it('JWTINTRO-02 plain JSON when a JWT was asked for → 503', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-1', active(clock))
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    expect(error.description).toContain('RFC 9701')
    // A valid JWT, but labelled application/json or application/jwt: refused too.
    for (const type of ['application/json', 'application/jwt', 'text/plain']) {
      as.handler = async (_request, res) => reply(res, 200, await signedResponse(key, active(clock)), type)
      await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    }
  })

  it('JWTINTRO-03 the signature is verified with the issuer keys and the allow-list: tampered, alg none, unknown key, HS256 → 503', async () => {
    const clock = new TestClock()
    const other = await responseKey('as-1')
    const good = await signedResponse(key, active(clock))
    const [header, payload, signature] = good.split('.') as [string, string, string]
    const forged = JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), token_introspection: active(clock, { scope: 'admin' }) })
    const flipped = Buffer.from(signature, 'base64url')
    flipped[5] = (flipped[5] as number) ^ 0xff
    const responses = [
      `${header}.${b64u(forged)}.${signature}`,
      `${header}.${payload}.${flipped.toString('base64url')}`,
      `${b64u(JSON.stringify({ alg: 'none', typ: 'token-introspection+jwt' }))}.${payload}.`,
      `${b64u(JSON.stringify({ alg: 'none', typ: 'token-introspection+jwt' }))}.${payload}.${signature}`,
      `${b64u(JSON.stringify({ alg: 'HS256', typ: 'token-introspection+jwt', kid: 'as-1' }))}.${payload}.${signature}`,
      await signedResponse(other, active(clock)),
      `${header}.${payload}`,
    ]
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    for (const jwt of responses) {
      as.handler = (_request, res) => reply(res, 200, jwt, JWT_TYPE)
      await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    }
    as.handler = (_request, res) => reply(res, 200, good, JWT_TYPE)
    expect((await guard.verify(requestLike({ token: 'opaque-1' }))).source).toBe('introspection')
  })

  it('JWTINTRO-04 typ must be token-introspection+jwt: JWT, at+jwt, dpop+jwt or none → 503; the application/ prefix is accepted', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    for (const typ of ['JWT', 'at+jwt', 'dpop+jwt', 'token-introspection', undefined]) {
      const jwt = await signedResponse(key, active(clock), { header: { typ } })
      as.handler = (_request, res) => reply(res, 200, jwt, JWT_TYPE)
      await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    }
    for (const typ of ['application/token-introspection+jwt', 'Token-Introspection+JWT']) {
      const jwt = await signedResponse(key, active(clock), { header: { typ } })
      as.handler = (_request, res) => reply(res, 200, jwt, JWT_TYPE)
      expect((await guard.verify(requestLike({ token: 'opaque-1' }))).source).toBe('introspection')
    }
  })

  it('JWTINTRO-05 iss, aud (our client id), iat and token_introspection are checked; active:false inside a valid JWT → 401', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    const bad = [
      { claims: { iss: 'https://evil.example.test' } },
      { claims: { iss: `${ISSUER}/` } },
      { claims: { iss: undefined } },
      { claims: { aud: AUDIENCE } },
      { claims: { aud: 'someone-else' } },
      { claims: { aud: undefined } },
      { claims: { iat: undefined } },
      { claims: { iat: String(NOW) } },
      { claims: { token_introspection: 'active' } },
      { claims: { token_introspection: [active(clock)] } },
      { claims: { token_introspection: undefined } },
    ]
    for (const options of bad) {
      const jwt = await signedResponse(key, active(clock), options)
      as.handler = (_request, res) => reply(res, 200, jwt, JWT_TYPE)
      await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    }
    const listed = await signedResponse(key, active(clock), { claims: { aud: ['someone-else', CLIENT_ID] } })
    as.handler = (_request, res) => reply(res, 200, listed, JWT_TYPE)
    expect((await guard.verify(requestLike({ token: 'opaque-1' }))).source).toBe('introspection')
    const inactive = await signedResponse(key, { active: false })
    as.handler = (_request, res) => reply(res, 200, inactive, JWT_TYPE)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-1' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
  })

  it('JWTINTRO-06 a flat, pre-RFC JWT (claims at top level, no token_introspection) → 503', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    const flat = await signedResponse(key, undefined, { claims: active(clock) })
    for (const type of [JWT_TYPE, 'application/jwt']) {
      as.handler = (_request, res) => reply(res, 200, flat, type)
      await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    }
  })

  it('JWTINTRO-07 with responseFormat "jwt" every call asks for a JWT, and plain JSON is refused whatever its label', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { responseFormat: 'jwt', cache: false }, { jwks: key.jwks }))
    as.handler = (_request, res) => reply(res, 200, active(clock), JWT_TYPE)
    for (let i = 0; i < 3; i++) await unavailable(guard.verify(requestLike({ token: `opaque-${i}` })))
    expect(as.requests.map((request) => request.headers.accept)).toEqual([JWT_TYPE, JWT_TYPE, JWT_TYPE])
  })

  it('JOSE-10 an RFC 9701 response presented as an access token is refused (typ), never taken for a token', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { cache: false }, { jwks: key.jwks }))
    const response = await signedResponse(key, active(clock), { claims: { aud: AUDIENCE, exp: NOW + 300, sub: 'user-1', client_id: 'c', jti: 'j' } })
    await expectRefusal(guard.verify(requestLike({ token: response })), invalidToken('ERR_JWT_TYP_INVALID', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(0)
  })

  it('E03 an AS that never answers: 503 after the "timeout", not later', async () => {
    const clock = new TestClock()
    as.handler = FAULTS['never answers']
    const guard = createGuard(guardOptions(as, clock, { cache: false, timeout: 150 }))
    const start = performance.now()
    const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    const took = performance.now() - start
    expect(took).toBeGreaterThanOrEqual(140)
    expect(took).toBeLessThan(2000)
    expect(causeOf(error)).toContain('timed out after 150 ms')
  })

  it('E03 a body that stalls after the headers: 503 within the "timeout"', async () => {
    const clock = new TestClock()
    as.handler = FAULTS['stalls after the headers']
    const guard = createGuard(guardOptions(as, clock, { cache: false, timeout: 150 }))
    const start = performance.now()
    await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    expect(performance.now() - start).toBeLessThan(2000)
  })

  it('E03 connection refused (a closed port) → 503', async () => {
    const clock = new TestClock()
    const port = await closedPort()
    const guard = createGuard(guardOptions(as, clock, { endpoint: `http://127.0.0.1:${port}/introspect`, cache: false }))
    const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    expect(causeOf(error)).toContain(`127.0.0.1:${port}`)
  })

  it('E03 connection reset by the AS → 503', async () => {
    const clock = new TestClock()
    as.handler = FAULTS['resets the connection']
    await unavailable(createGuard(guardOptions(as, clock, { cache: false })).verify(requestLike({ token: 'opaque-1' })))
  })

  it('E03 5xx from the AS (500, 502, 503, 504) → 503, and an answer with another status (201, 204, 400, 404) → 503', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-1', active(clock))
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    for (const fault of ['500', '502', '503', '504', '201', '204', '400', '404']) {
      as.handler = FAULTS[fault]
      const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
      expect(causeOf(error)).toContain(`answered ${fault}`)
    }
  })

  it('E03 TLS error (the endpoint certificate is not trusted) → 503 (FAPI2-06: server certificates are checked)', async () => {
    const clock = new TestClock()
    const tlsAS = await startAS(createTestCertificate('untrusted.example.test'))
    try {
      tlsAS.answers.set('opaque-1', active(clock))
      await unavailable(createGuard(guardOptions(tlsAS, clock, { cache: false })).verify(requestLike({ token: 'opaque-1' })))
      expect(tlsAS.calls()).toBe(0)
    } finally {
      await tlsAS.close()
    }
  })

  it('E03 no retry storm: 200 concurrent requests during an outage make one call, and a failure is neither retried nor cached', async () => {
    const clock = new TestClock()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    as.handler = async (_request, res) => {
      await gate
      reply(res, 500, { error: 'server_error' })
    }
    const guard = createGuard(guardOptions(as, clock))
    const pending = Array.from({ length: 200 }, () => refusal(guard.verify(requestLike({ token: 'opaque-1' }))))
    await new Promise((resolve) => setTimeout(resolve, 50))
    release()
    const errors = await Promise.all(pending)
    expect(new Set(errors.map((error) => `${error.status} ${error.code}`))).toEqual(new Set(['503 ERR_INTROSPECTION_UNAVAILABLE']))
    expect(as.calls()).toBe(1)
    // The AS recovers: the next request asks again (the failure was not cached) and is accepted.
    as.handler = undefined
    as.answers.set('opaque-1', active(clock))
    expect((await guard.verify(requestLike({ token: 'opaque-1' }))).source).toBe('introspection')
    expect(as.calls()).toBe(2)
  })

  it('E04 the AS rejects our client credentials (401 invalid_client) → 503, never active, whatever the token', async () => {
    const clock = new TestClock()
    as.client = { id: CLIENT_ID, secret: 'the-right-secret' }
    as.answers.set('opaque-1', active(clock))
    const guard = createGuard(guardOptions(as, clock, { clientSecret: 'a-wrong-secret' }))
    for (let i = 0; i < 3; i++) await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    expect(as.calls()).toBe(3)
    const right = createGuard(guardOptions(as, clock, { clientSecret: 'the-right-secret' }))
    expect((await right.verify(requestLike({ token: 'opaque-1' }))).source).toBe('introspection')
  })

  it('INTRO-05 the AS error response is not passed on: the client sees only our 503 and its own description', async () => {
    const clock = new TestClock()
    as.handler = (_request, res) => reply(res, 401, { error: 'invalid_client', error_description: 'client rs-client: secret expired on 2026-01-01' })
    const error = await unavailable(createGuard(guardOptions(as, clock, { cache: false })).verify(requestLike({ token: 'opaque-1' })))
    expect(error.toJSON()).toEqual({ error: 'temporarily_unavailable', error_description: error.description })
    expect(exposedText(error)).not.toMatch(/invalid_client|secret expired/)
    expect(error.headers).toEqual({ 'retry-after': expect.any(String) })
  })

  it('a response that is not JSON, truncated JSON, or JSON that is not an object → 503', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    for (const fault of ['non-JSON', 'truncated JSON', 'a JSON array', 'JSON true', 'JSON null']) {
      as.handler = FAULTS[fault]
      await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    }
  })

  it('an oversized response (> 256 KiB), declared or chunked → 503; exactly 256 KiB is read', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    for (const fault of ['oversized with content-length', 'oversized, chunked']) {
      as.handler = FAULTS[fault]
      const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
      expect(causeOf(error)).toContain(`over ${MAX_INTROSPECTION_RESPONSE_BYTES} bytes`)
    }
    // The cap counts bytes, not characters: 100 000 three-byte characters (300 000 bytes) are too many.
    as.handler = (_request, res) => reply(res, 200, { active: true, pad: '€'.repeat(100_000) })
    await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    as.handler = bigBody(MAX_INTROSPECTION_RESPONSE_BYTES, false)
    // Read in full (then refused for its claims: it has no "exp"), not cut off.
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-1' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
  })

  it('an endless response body is cut off at the size cap, not read until the timeout', async () => {
    const clock = new TestClock()
    as.handler = endlessBody
    const guard = createGuard(guardOptions(as, clock, { cache: false, timeout: 8000 }))
    const start = performance.now()
    const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
    expect(causeOf(error)).toContain(`over ${MAX_INTROSPECTION_RESPONSE_BYTES} bytes`)
    expect(performance.now() - start).toBeLessThan(3000)
  })

  it('a redirect (301, 302, 303, 307, 308) is not followed → 503; the target is never called', async () => {
    const clock = new TestClock()
    const target = await startAS()
    try {
      target.answers.set('opaque-1', active(clock))
      const guard = createGuard(guardOptions(as, clock, { cache: false }))
      for (const status of [301, 302, 303, 307, 308]) {
        as.handler = (_request, res: ServerResponse) => {
          res.writeHead(status, { location: target.endpoint })
          res.end()
        }
        const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
        expect(causeOf(error)).toContain(`answered ${status}`)
      }
      expect(target.requests).toHaveLength(0)
    } finally {
      await target.close()
    }
  })

  it('the endpoint comes from the issuer metadata (introspection_endpoint) when not configured; metadata is read once', async () => {
    const issuer: LocalIssuer = await createLocalIssuer({ introspectionClient: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } })
    try {
      const token = issuer.issueOpaque({ scope: 'accounts:read' })
      const guard = createGuard({
        issuer: issuer.issuer,
        audience: issuer.audience,
        profile: 'oauth2',
        introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: false },
      })
      for (let i = 0; i < 3; i++) expect((await guard.verify(requestLike({ token: token }))).issuer).toBe(issuer.issuer)
      expect(issuer.introspections).toHaveLength(3)
      expect(issuer.hits.get('/.well-known/oauth-authorization-server')).toBe(1)
      expect(issuer.hits.get('/introspect')).toBe(3)
    } finally {
      await issuer.close()
    }
  })

  it('metadata without introspection_endpoint (or with one that is not a URL) → 503', async () => {
    const clock = new TestClock()
    for (const metadata of [{ issuer: as.origin }, { issuer: as.origin, introspection_endpoint: 42 }, { issuer: as.origin, introspection_endpoint: 'not a url' }]) {
      const stub = await startAS()
      try {
        stub.metadata = { ...metadata, issuer: stub.origin }
        const guard = createGuard({ issuer: stub.origin, audience: AUDIENCE, profile: 'oauth2', clock: clock.now, introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } })
        const error = await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
        expect(error.description).toContain('introspection endpoint')
        expect(stub.calls()).toBe(0)
      } finally {
        await stub.close()
      }
    }
  })

  it('metadata that cannot be fetched (the issuer is down) → 503', async () => {
    const clock = new TestClock()
    const port = await closedPort()
    const guard = createGuard({
      issuer: `http://127.0.0.1:${port}`,
      audience: AUDIENCE,
      profile: 'oauth2',
      clock: clock.now,
      introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    })
    await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
  })

  it('INTRO-07 the endpoint must use TLS: http on a non-loopback host is a TypeError when configured, a 503 when metadata names it', async () => {
    const clock = new TestClock()
    for (const endpoint of ['http://as.example.test/introspect', 'http://10.0.0.1/introspect', 'ftp://as.example.test/introspect']) {
      expect(() => createGuard(guardOptions(as, clock, { endpoint }))).toThrow(TypeError)
    }
    expect(() => createGuard(guardOptions(as, clock, { endpoint: 'https://as.example.test/introspect' }))).not.toThrow()
    as.metadata = { issuer: as.origin, introspection_endpoint: 'http://as.example.test/introspect' }
    const guard = createGuard({ issuer: as.origin, audience: AUDIENCE, profile: 'oauth2', clock: clock.now, introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } })
    await unavailable(guard.verify(requestLike({ token: 'opaque-1' })))
  })

  it('E11 no failure shows the token, the client secret or the Basic credentials in its description or headers', async () => {
    const clock = new TestClock()
    const token = 'tok-E11-d8c7b6a5f4e3d2c1'
    const secrets = [token, CLIENT_SECRET, Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')]
    as.client = { id: CLIENT_ID, secret: CLIENT_SECRET }
    for (const [name, handler] of Object.entries(FAULTS)) {
      as.handler = async (request, res) => {
        if (name === '401 invalid_client') return reply(res, 401, { error: 'invalid_client', error_description: `bad secret ${CLIENT_SECRET} for ${token}` })
        await handler(request, res)
      }
      for (const authMethod of ['client_secret_basic', 'client_secret_post'] as const) {
        const guard = createGuard(guardOptions(as, clock, { authMethod, cache: false, timeout: 200 }))
        const error = await unavailable(guard.verify(requestLike({ token: token })))
        const text = exposedText(error)
        for (const secret of secrets) expect(text, `${name} / ${authMethod}`).not.toContain(secret)
      }
    }
    // The endpoint is named for operators only (the cause), never with the form body or the headers sent.
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    as.handler = FAULTS['500']
    const error = await unavailable(guard.verify(requestLike({ token: token })))
    expect(error.description).toBe(`token introspection at issuer "${ISSUER}" failed`)
    expect(causeOf(error)).toBe(`POST ${as.endpoint} answered 500`)
  })
})

describe('LEAK: a failing introspection endpoint is named to the operator only', () => {
  const API_KEY = 'k3y-LEAK-9f8e7d6c5b4a'
  const LEAK_FAULTS = ['never answers', 'resets the connection', '500', '401 invalid_client', 'non-JSON', 'oversized, chunked', 'a redirect']

  /** Every string a refusal shows the client or an `onDecision` hook. */
  function clientVisible(error: GuardError, events: DecisionEvent[]): string {
    return [error.description, error.message, JSON.stringify(error.headers), JSON.stringify(error.toJSON()), JSON.stringify(error), JSON.stringify(events)].join('\n')
  }

  function expectNoEndpoint(text: string, endpoint: URL, label: string): void {
    for (const part of [API_KEY, 'api_key', endpoint.pathname, endpoint.port, `${endpoint.hostname}:${endpoint.port}`, 'user', 'pa55word']) {
      expect(text, `${label}: ${part}`).not.toContain(part)
    }
  }

  it('LEAK-01 a configured endpoint with an API key in its query: no refusal, body or onDecision event shows the key, the path or the address; they name the issuer', async () => {
    const clock = new TestClock()
    const endpoint = new URL(`${as.endpoint}?api_key=${API_KEY}`)
    for (const name of LEAK_FAULTS) {
      as.handler = FAULTS[name]
      const events: DecisionEvent[] = []
      const guard = createGuard(guardOptions(as, clock, { endpoint: endpoint.href, cache: false, timeout: 150 }, { onDecision: (event) => events.push(event) }))
      const error = await unavailable(guard.verify(requestLike({ token: 'opaque-leak' })))
      // The exchange failed (or its body is unreadable: a fixed description).
      if (name !== 'non-JSON') expect(error.description, name).toBe(`token introspection at issuer "${ISSUER}" failed`)
      expect(events.map((event) => event.description)).toEqual([error.description])
      expectNoEndpoint(clientVisible(error, events), endpoint, name)
    }
  })

  it('LEAK-01 userinfo in the endpoint (user:pa55word@) never reaches the client either', async () => {
    const clock = new TestClock()
    const endpoint = new URL(as.endpoint)
    endpoint.username = 'user'
    endpoint.password = 'pa55word'
    endpoint.search = `api_key=${API_KEY}`
    const events: DecisionEvent[] = []
    const guard = createGuard(guardOptions(as, clock, { endpoint: endpoint.href, cache: false }, { onDecision: (event) => events.push(event) }))
    const error = await unavailable(guard.verify(requestLike({ token: 'opaque-leak' })))
    expect(error.description).toBe(`token introspection at issuer "${ISSUER}" failed`)
    expectNoEndpoint(clientVisible(error, events), endpoint, 'userinfo')
  })

  it('LEAK-02 an endpoint from the issuer metadata (internal address, query) is named neither to the client nor in the event', async () => {
    const clock = new TestClock()
    const stub = await startAS()
    try {
      const endpoint = new URL(`${stub.endpoint}?tenant=internal&api_key=${API_KEY}`)
      stub.metadata = { issuer: stub.origin, introspection_endpoint: endpoint.href }
      stub.handler = FAULTS['503']
      const events: DecisionEvent[] = []
      const guard = createGuard({
        issuer: stub.origin,
        audience: AUDIENCE,
        profile: 'oauth2',
        clock: clock.now,
        introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: false },
        onDecision: (event) => events.push(event),
      })
      const error = await unavailable(guard.verify(requestLike({ token: 'opaque-leak' })))
      expect(error.description).toBe(`token introspection at issuer "${stub.origin}" failed`)
      const text = clientVisible(error, events)
      for (const part of [API_KEY, 'tenant=internal', '/introspect']) expect(text).not.toContain(part)
      expect(causeOf(error)).toBe(`POST ${stub.endpoint} answered 503`)
    } finally {
      await stub.close()
    }
  })

  it('LEAK-03 the precise cause is kept for the operator as the error\'s cause (endpoint without userinfo or query), through either scheme, never serialized', async () => {
    const clock = new TestClock()
    const endpoint = new URL(as.endpoint)
    endpoint.search = `api_key=${API_KEY}`
    as.handler = FAULTS['500']
    const guard = createGuard(guardOptions(as, clock, { endpoint: endpoint.href, cache: false }))
    const bearer = await unavailable(guard.verify(requestLike({ token: 'opaque-leak' })))
    const proof = 'e30.e30.sig'
    const dpop = await unavailable(guard.verify(requestLike({ token: 'opaque-leak', scheme: 'DPoP', proof })))
    for (const error of [bearer, dpop, guard.toGuardError(bearer)]) {
      expect(error.cause).toBeInstanceOf(Error)
      expect((error.cause as Error).name).toBe('HTTPExchangeError')
      expect(causeOf(error)).toBe(`POST ${as.endpoint} answered 500`)
      expect(causeOf(error)).not.toContain(API_KEY)
      expect(Object.keys(error)).not.toContain('cause')
      expect(JSON.stringify(error)).not.toContain('answered 500')
      expect(new TextDecoder().decode(await new Response(JSON.stringify(error.toJSON())).arrayBuffer())).not.toContain('127.0.0.1')
    }
    // A refusal that is not a fault carries no cause.
    as.handler = undefined
    expect((await expectRefusal(guard.verify(requestLike({ token: 'opaque-inactive' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))).cause).toBeUndefined()
  })
})

describe('MTLS-10 the mTLS alias of the introspection endpoint (RFC 8705 §5)', () => {
  let tlsAS: StubAS
  let serverCertificate: TestCertificate
  let client: TestCertificate
  let untrust: () => void
  beforeAll(async () => {
    serverCertificate = createTestCertificate('mtls.as.example.test')
    client = createTestCertificate('rs-client')
    tlsAS = await startAS(serverCertificate)
    untrust = trustServerCertificate(serverCertificate.cert)
  })
  afterAll(async () => {
    untrust()
    await tlsAS.close()
  })

  it('MTLS-10 tls_client_auth calls mtls_endpoint_aliases.introspection_endpoint; other methods the plain introspection_endpoint', async () => {
    const clock = new TestClock()
    const answer = () => active(clock, { iss: as.origin })
    as.metadata = {
      issuer: as.origin,
      introspection_endpoint: as.endpoint,
      mtls_endpoint_aliases: { introspection_endpoint: tlsAS.endpoint },
    }
    tlsAS.handler = (request, res) => reply(res, request.peerThumbprint === client.thumbprint ? 200 : 401, answer())
    as.handler = (_request, res) => reply(res, 200, answer())
    const base = { issuer: as.origin, audience: AUDIENCE, profile: 'oauth2' as const, clock: clock.now }
    const mtls = createGuard({
      ...base,
      introspection: { clientId: CLIENT_ID, authMethod: 'tls_client_auth', certificate: { cert: client.cert, key: client.key }, cache: false },
    })
    expect((await mtls.verify(requestLike({ token: 'opaque-1' }))).issuer).toBe(as.origin)
    expect(tlsAS.calls()).toBe(1)
    expect(as.calls()).toBe(0)
    const basic = createGuard({ ...base, introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: false } })
    expect((await basic.verify(requestLike({ token: 'opaque-1' }))).issuer).toBe(as.origin)
    expect(tlsAS.calls()).toBe(1)
    expect(as.calls()).toBe(1)
    // Without an alias, tls_client_auth uses introspection_endpoint.
    as.metadata = { issuer: as.origin, introspection_endpoint: tlsAS.endpoint }
    const plain = createGuard({
      ...base,
      introspection: { clientId: CLIENT_ID, authMethod: 'tls_client_auth', certificate: { cert: client.cert, key: client.key }, cache: false },
    })
    await plain.verify(requestLike({ token: 'opaque-1' }))
    expect(tlsAS.calls()).toBe(2)
  })
})
