/**
 * How the resource server authenticates to the introspection endpoint (RFC 7662 §2.1, RFC 6749 §2.3.1,
 * RFC 7523, RFC 8705 §2.1), seen on the wire by a real loopback server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from 'jose'
import { createTestCertificate, type TestCertificate } from '@fapi-guard/testing'
import { createGuard as createWebGuard } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { createTLSClientFetch } from '../../src/node/tls-client-fetch.js'
import { ASSERTION_LIFETIME } from '../../src/introspection/authenticate-client.js'
import {
  active,
  CLIENT_ID,
  CLIENT_SECRET,
  causeOf,
  decodeBasic,
  exposedText,
  guardOptions,
  ISSUER,
  reply,
  startAS,
  trustServerCertificate,
  unavailable,
  type StubAS,
} from './introspection-kit.js'
import { NOW, TestClock, requestLike, refusal } from '../support/kit.js'

let as: StubAS
beforeAll(async () => {
  as = await startAS()
})
afterAll(() => as.close())
afterEach(() => {
  as.handler = undefined
  as.client = undefined
  as.requests.length = 0
  as.answers.clear()
})

/** An id and a secret with every character RFC 6749 §2.3.1 / Appendix B must form-encode. */
const TRICKY_ID = 'rs:client +%é'
const TRICKY_SECRET = 'p:a s+s%w€ü/='

async function privateJwk(alg: 'ES256' | 'PS256' | 'EdDSA', extra: Partial<JWK> = {}): Promise<{ jwk: JWK; verifyKey: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { jwk: { ...(await exportJWK(privateKey)), ...extra }, verifyKey: await exportJWK(publicKey) }
}

describe('client authentication', () => {
  it('client_secret_basic: id and secret form-encoded (RFC 6749 §2.3.1) before Base64, nothing in the body', async () => {
    const clock = new TestClock()
    as.client = { id: TRICKY_ID, secret: TRICKY_SECRET }
    as.answers.set('opaque-basic', active(clock))
    const guard = createGuard(guardOptions(as, clock, { clientId: TRICKY_ID, clientSecret: TRICKY_SECRET, authMethod: 'client_secret_basic', cache: false }))
    const auth = await guard.verify(requestLike({ token: 'opaque-basic' }))
    expect(auth.source).toBe('introspection')
    const [request] = as.requests
    const header = request?.headers.authorization as string
    expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/)
    // The exact octets: ':' → %3A, ' ' → '+', '+' → %2B, '%' → %25, non-ASCII as UTF-8 percent-escapes, '/' → %2F, '=' → %3D.
    expect(Buffer.from(header.slice(6), 'base64').toString('latin1')).toBe(
      'rs%3Aclient+%2B%25%C3%A9:p%3Aa+s%2Bs%25w%E2%82%AC%C3%BC%2F%3D',
    )
    expect(decodeBasic(header)).toEqual({ id: TRICKY_ID, secret: TRICKY_SECRET })
    expect([...request!.body.keys()]).toEqual(['token', 'token_type_hint'])
  })

  it('client_secret_basic: the RFC 9449 §6.2 example header is not form-encoded; we send the RFC 6749 form', async () => {
    // Example: "Authorization: Basic cnM6cnM6TWt1LTZnX2xDektJZHo0ZnNON2tZY3lhK1Rp" = "rs:rs:Mku-6g_lCzKIdz4fsN7kYcya+Ti".
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { clientId: 'rs', clientSecret: 'rs:Mku-6g_lCzKIdz4fsN7kYcya+Ti', cache: false }))
    await refusal401(guard.verify(requestLike({ token: 'unknown-token' })))
    const header = as.requests[0]?.headers.authorization as string
    expect(Buffer.from(header.slice(6), 'base64').toString('utf8')).toBe('rs:rs%3AMku-6g_lCzKIdz4fsN7kYcya%2BTi')
    expect(header).not.toBe('Basic cnM6cnM6TWt1LTZnX2xDektJZHo0ZnNON2tZY3lhK1Rp')
    expect(decodeBasic(header)).toEqual({ id: 'rs', secret: 'rs:Mku-6g_lCzKIdz4fsN7kYcya+Ti' })
  })

  it('client_secret_post: client_id and client_secret in the form body, no Authorization header', async () => {
    const clock = new TestClock()
    as.client = { id: TRICKY_ID, secret: TRICKY_SECRET }
    as.answers.set('opaque-post', active(clock))
    const guard = createGuard(guardOptions(as, clock, { clientId: TRICKY_ID, clientSecret: TRICKY_SECRET, authMethod: 'client_secret_post', cache: false }))
    expect((await guard.verify(requestLike({ token: 'opaque-post' }))).source).toBe('introspection')
    const [request] = as.requests
    expect(request?.headers.authorization).toBeUndefined()
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(request!.body)).toEqual({
      token: 'opaque-post',
      token_type_hint: 'access_token',
      client_id: TRICKY_ID,
      client_secret: TRICKY_SECRET,
    })
  })

  it('private_key_jwt: an RFC 7523 assertion (iss = sub = client id, aud = issuer, fresh jti, exp − iat = 60, typ/alg/kid)', async () => {
    const clock = new TestClock()
    const { jwk, verifyKey } = await privateJwk('ES256', { kid: 'rs-key-1' })
    const publicKey = await importJWK(verifyKey, 'ES256')
    const verified: Array<{ jti: unknown; iat: unknown; exp: unknown }> = []
    as.handler = async (request, res) => {
      expect(request.headers.authorization).toBeUndefined()
      expect(request.body.get('client_secret')).toBeNull()
      expect(request.body.get('client_id')).toBe(CLIENT_ID)
      expect(request.body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      const assertion = request.body.get('client_assertion') ?? ''
      const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
        issuer: CLIENT_ID,
        subject: CLIENT_ID,
        audience: ISSUER,
        algorithms: ['ES256'],
        typ: 'JWT',
        currentDate: new Date(clock.ms),
      })
      expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'rs-key-1' })
      expect(payload.aud).toBe(ISSUER)
      verified.push({ jti: payload.jti, iat: payload.iat, exp: payload.exp })
      reply(res, 200, active(clock))
    }
    const guard = createGuard(guardOptions(as, clock, { authMethod: 'private_key_jwt', clientSecret: undefined, privateKey: jwk, cache: false }))
    await guard.verify(requestLike({ token: 'opaque-a' }))
    clock.advance(7)
    await guard.verify(requestLike({ token: 'opaque-a' }))
    expect(verified).toHaveLength(2)
    const [first, second] = verified as [{ jti: unknown; iat: unknown; exp: unknown }, { jti: unknown; iat: unknown; exp: unknown }]
    expect(first.jti).toEqual(expect.any(String))
    expect((first.jti as string).length).toBeGreaterThanOrEqual(16)
    expect(second.jti).not.toBe(first.jti)
    expect(first.iat).toBe(NOW)
    expect(second.iat).toBe(NOW + 7)
    expect((first.exp as number) - (first.iat as number)).toBe(60)
    expect((second.exp as number) - (second.iat as number)).toBe(ASSERTION_LIFETIME)
  })

  it('private_key_jwt: the algorithm follows the key (RSA → PS256, Ed25519 → EdDSA, a JWK "alg" wins); no kid, no kid header', async () => {
    const clock = new TestClock()
    const seen: Array<Record<string, unknown>> = []
    as.handler = (request, res) => {
      seen.push(decodeProtectedHeader(request.body.get('client_assertion') ?? ''))
      reply(res, 200, active(clock))
    }
    const rsa = await privateJwk('PS256')
    const ed = await privateJwk('EdDSA')
    const ec = await privateJwk('ES256')
    for (const jwk of [rsa.jwk, ed.jwk, { ...rsa.jwk, alg: 'RS256' }, ec.jwk]) {
      const guard = createGuard(guardOptions(as, clock, { authMethod: 'private_key_jwt', clientSecret: undefined, privateKey: jwk, cache: false }))
      await guard.verify(requestLike({ token: 'opaque-b' }))
    }
    expect(seen).toEqual([
      { alg: 'PS256', typ: 'JWT' },
      { alg: 'EdDSA', typ: 'JWT' },
      { alg: 'RS256', typ: 'JWT' },
      { alg: 'ES256', typ: 'JWT' },
    ])
  })

  it('private_key_jwt: a private key that cannot sign (its "alg" does not fit it) is refused as 503, never as a bad token', async () => {
    const clock = new TestClock()
    const { jwk } = await privateJwk('ES256')
    as.handler = (_request, res) => reply(res, 200, active(clock))
    const guard = createGuard(guardOptions(as, clock, { authMethod: 'private_key_jwt', clientSecret: undefined, privateKey: { ...jwk, alg: 'PS256' }, cache: false }))
    await unavailable(guard.verify(requestLike({ token: 'opaque-c' })))
    await unavailable(guard.verify(requestLike({ token: 'opaque-c' })))
    expect(as.calls()).toBe(0)
  })

  it('INTRO-02 every request to the endpoint carries client authentication, whatever the method', async () => {
    const clock = new TestClock()
    const { jwk } = await privateJwk('ES256')
    const methods = [
      { authMethod: 'client_secret_basic' as const },
      { authMethod: 'client_secret_post' as const },
      { authMethod: 'private_key_jwt' as const, clientSecret: undefined, privateKey: jwk },
    ]
    for (const method of methods) {
      const guard = createGuard(guardOptions(as, clock, { ...method, cache: false }))
      await refusal401(guard.verify(requestLike({ token: 'unknown' })))
    }
    expect(as.requests.map((request) => request.headers.authorization !== undefined || request.body.has('client_secret') || request.body.has('client_assertion'))).toEqual([true, true, true])
    expect(as.requests.map((request) => request.headers.authorization?.startsWith('Basic ') ?? Object.keys(Object.fromEntries(request.body)).sort().join())).toEqual([
      true,
      'client_id,client_secret,token,token_type_hint',
      'client_assertion,client_assertion_type,client_id,token,token_type_hint',
    ])
  })

  it('E11 the client secret and the assertion never appear in a refusal (description, headers, body, inspection)', async () => {
    const clock = new TestClock()
    const { jwk } = await privateJwk('ES256')
    const assertions: string[] = []
    for (const status of [401, 400, 500]) {
      as.handler = (request, res) => {
        const assertion = request.body.get('client_assertion')
        if (assertion !== null) assertions.push(assertion)
        reply(res, status, { error: 'invalid_client', error_description: `bad secret ${CLIENT_SECRET}` })
      }
      for (const method of [
        { authMethod: 'client_secret_basic' as const },
        { authMethod: 'client_secret_post' as const },
        { authMethod: 'private_key_jwt' as const, clientSecret: undefined, privateKey: jwk },
      ]) {
        const guard = createGuard(guardOptions(as, clock, { ...method, cache: false }))
        const error = await unavailable(guard.verify(requestLike({ token: 'secret-token-value-123' })))
        const text = exposedText(error)
        for (const secret of [CLIENT_SECRET, encodeURIComponent(CLIENT_SECRET), Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'), 'secret-token-value-123', 'invalid_client', ...assertions]) {
          expect(text).not.toContain(secret)
        }
        expect(Object.keys(error.headers)).toEqual(['retry-after'])
      }
    }
    expect(assertions).toHaveLength(3)
  })
})

async function refusal401(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ status: 401, code: 'ERR_TOKEN_INACTIVE' })
}

describe('tls_client_auth (RFC 8705 §2.1) against an HTTPS endpoint that reads the client certificate', () => {
  let tlsAS: StubAS
  let serverCertificate: TestCertificate
  let client: TestCertificate
  let other: TestCertificate
  let untrust: () => void
  beforeAll(async () => {
    serverCertificate = createTestCertificate('as.example.test')
    client = createTestCertificate('rs-client')
    other = createTestCertificate('someone-else')
    tlsAS = await startAS(serverCertificate)
    untrust = trustServerCertificate(serverCertificate.cert)
  })
  afterAll(async () => {
    untrust()
    await tlsAS.close()
  })
  afterEach(() => {
    tlsAS.handler = undefined
    tlsAS.requests.length = 0
  })

  /** The AS side of tls_client_auth: the certificate presented on the connection must be the registered one. */
  function requireCertificate(registered: string, clock: TestClock) {
    tlsAS.handler = (request, res) => {
      if (request.peerThumbprint !== registered || request.body.get('client_id') !== CLIENT_ID) return reply(res, 401, { error: 'invalid_client' })
      reply(res, 200, active(clock))
    }
  }

  it('Node build: the configured certificate is presented on the TLS connection; client_id in the body, no secret', async () => {
    const clock = new TestClock()
    requireCertificate(client.thumbprint, clock)
    const guard = createGuard(
      guardOptions(tlsAS, clock, { authMethod: 'tls_client_auth', clientSecret: undefined, certificate: { cert: client.cert, key: client.key }, cache: false }),
    )
    const auth = await guard.verify(requestLike({ token: 'opaque-tls' }))
    expect(auth.source).toBe('introspection')
    const [request] = tlsAS.requests
    expect(request?.peerThumbprint).toBe(client.thumbprint)
    expect(request?.headers.authorization).toBeUndefined()
    expect(Object.fromEntries(request!.body)).toEqual({ token: 'opaque-tls', token_type_hint: 'access_token', client_id: CLIENT_ID })
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.accept).toBe('application/json')
  })

  it('Node build: the AS refusing the certificate (another one is registered) is a 503, never access', async () => {
    const clock = new TestClock()
    requireCertificate(other.thumbprint, clock)
    const guard = createGuard(
      guardOptions(tlsAS, clock, { authMethod: 'tls_client_auth', clientSecret: undefined, certificate: { cert: client.cert, key: client.key }, cache: false }),
    )
    const error = await unavailable(guard.verify(requestLike({ token: 'opaque-tls' })))
    expect(exposedText(error)).not.toContain(client.key.split('\n')[1])
    expect(tlsAS.requests[0]?.peerThumbprint).toBe(client.thumbprint)
  })

  it('Node build: the timeout bounds the TLS transport too (an endpoint that never answers)', async () => {
    const clock = new TestClock()
    tlsAS.handler = () => {}
    const guard = createGuard(
      guardOptions(tlsAS, clock, { authMethod: 'tls_client_auth', clientSecret: undefined, certificate: { cert: client.cert, key: client.key }, cache: false, timeout: 150 }),
    )
    const start = performance.now()
    const error = await unavailable(guard.verify(requestLike({ token: 'opaque-tls' })))
    expect(performance.now() - start).toBeLessThan(3000)
    expect(causeOf(error)).toContain('timed out')
  })

  it('Node build: the timeout also cuts a TLS response whose body stalls after the headers', async () => {
    const clock = new TestClock()
    tlsAS.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"active":')
    }
    const guard = createGuard(
      guardOptions(tlsAS, clock, { authMethod: 'tls_client_auth', clientSecret: undefined, certificate: { cert: client.cert, key: client.key }, cache: false, timeout: 150 }),
    )
    const start = performance.now()
    await unavailable(guard.verify(requestLike({ token: 'opaque-tls' })))
    expect(performance.now() - start).toBeLessThan(3000)
  })

  it('Node build: odd answers of the TLS transport (204, 304, a status over 599) are 503s, never a crash', async () => {
    const clock = new TestClock()
    const guard = createGuard(
      guardOptions(tlsAS, clock, { authMethod: 'tls_client_auth', clientSecret: undefined, certificate: { cert: client.cert, key: client.key }, cache: false }),
    )
    for (const status of [204, 304, 600, 999]) {
      tlsAS.handler = (_request, res) => {
        res.writeHead(status)
        res.end()
      }
      await unavailable(guard.verify(requestLike({ token: 'opaque-tls' })))
    }
    expect(tlsAS.calls()).toBe(4)
  })

  it('web build: tls_client_auth without a "fetch" is a TypeError at createGuard; with one, that fetch carries the calls', async () => {
    const clock = new TestClock()
    const options = guardOptions(tlsAS, clock, { authMethod: 'tls_client_auth', clientSecret: undefined, certificate: { cert: client.cert, key: client.key }, cache: false })
    expect(() => createWebGuard(options)).toThrow(TypeError)
    expect(() => createWebGuard(options)).toThrow(/tls_client_auth/)
    requireCertificate(client.thumbprint, clock)
    const mtlsFetch = createTLSClientFetch({ cert: client.cert, key: client.key })
    let used = 0
    const guard = createWebGuard({
      ...options,
      fetch: (input, init) => {
        used++
        return mtlsFetch(input, init)
      },
    })
    expect((await guard.verify(requestLike({ token: 'opaque-tls' }))).source).toBe('introspection')
    expect(used).toBe(1)
    expect(tlsAS.requests[0]?.peerThumbprint).toBe(client.thumbprint)
  })
})
