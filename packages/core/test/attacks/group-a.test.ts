/**
 * Adversarial catalogue, group A (reference/attacks.md): JOSE / JWT access-token verification.
 * One test per row, each on both crypto backends. Not here: A45, A46 (JWE processing is not offered).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createLocalIssuer,
  createTestCertificate,
  type LocalIssuer,
  type LocalIssuerAlgorithm,
  type LocalIssuerKey,
  type MintOptions,
  type TestCertificate,
} from '@fapi-guard/testing'
import type { GuardOptions } from '../../src/index.js'
import { timingSafeEqualString } from '../../src/lib/encoding.js'
import { backends } from '../support/backends.js'
import {
  b64u,
  craftJWS,
  derFromRawECDSA,
  hmacSigner,
  issuerSigner,
  nodeSigner,
  otherSOfECDSA,
  P256_ORDER,
  segment,
  signatureOf,
  withSignature,
} from '../support/jws.js'
import { closedPortURL, type KeyServer, keyServersPerTest, type Reply } from '../support/key-server.js'
import { recordingFetch } from '../support/recording-fetch.js'
import { NOW, TestClock, requestLike, refusal, expectRefusal, invalidToken, invalidRequest, elapsed } from '../support/kit.js'

const RS = 'https://rs.example.com/'
const UNAVAILABLE = { status: 503, error: 'temporarily_unavailable', code: 'ERR_JWKS_UNAVAILABLE' } as const

let local: LocalIssuer
let cert: TestCertificate
const keyServer = keyServersPerTest()

beforeAll(async () => {
  local = await createLocalIssuer({ algorithms: ['ES256', 'PS256', 'RS256'], audience: RS })
  cert = createTestCertificate('client-a')
})
afterAll(() => local.close())
afterEach(() => {
  local.down = false
})

function key(alg: LocalIssuerAlgorithm): LocalIssuerKey {
  const found = local.keys.find((candidate) => candidate.alg === alg)
  if (found === undefined) throw new Error(`no ${alg} key`)
  return found
}

function mint(claims: Record<string, unknown> = {}, options: MintOptions = {}): Promise<string> {
  return local.mint(claims, { now: NOW, ...options })
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: local.issuer, aud: RS, sub: 'user-1', client_id: 'client-1', iat: NOW, exp: NOW + 300, jti: 'jti-1', ...extra }
}

/** Raw JSON claims text of the local issuer, with `tail` spliced in before the closing brace. */
function rawClaims(tail: string): string {
  return `{"iss":${JSON.stringify(local.issuer)},"aud":${JSON.stringify(RS)},"sub":"user-1","client_id":"client-1","iat":${NOW},"jti":"j"${tail}}`
}

function header(alg: LocalIssuerAlgorithm, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg, typ: 'at+jwt', kid: key(alg).kid, ...extra }
}

/** An ES256 key pair of our own and its public JWK (no `alg`, so key type and curve decide). */
function ecKey(kid: string, namedCurve = 'P-256') {
  const pair = generateKeyPairSync('ec', { namedCurve })
  return { ...pair, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid } }
}

const randomSignature = () => b64u(crypto.getRandomValues(new Uint8Array(64)))

describe.each(backends)('attacks, group A: JOSE / JWT access tokens ($name)', ({ createGuard }) => {
  function oauth2(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', clock: new TestClock().now, ...extra })
  }
  /** A guard on a key server of our own (`/jwks`), issuer = the server's origin. */
  function onServer(server: KeyServer, extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: server.origin, jwksUri: server.url('/jwks'), audience: RS, profile: 'oauth2', clock: new TestClock().now, ...extra })
  }

  it('A01 an unsecured token (alg none, empty signature) is refused with no key lookup', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    const unsecured = `${segment({ alg: 'none', typ: 'at+jwt' })}.${segment(claims())}.`
    await expectRefusal(guard.verify(requestLike({ token: unsecured })), invalidToken('ERR_TOKEN_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ token: `${segment({ alg: 'none', typ: 'at+jwt' })}.${segment(claims())}.AAAA` })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    expect(recorder.urls).toEqual([])
  })

  it('A02 alg case variants of none and non-string alg values are refused', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    for (const alg of ['None', 'NONE', 'nOnE', null, 1, [], {}, '', 'es256', 'ES256 ', ['ES256']]) {
      const token = await craftJWS({ alg, typ: 'at+jwt', kid: key('ES256').kid }, claims(), issuerSigner(key('ES256')))
      await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    }
    const noAlg = await craftJWS({ typ: 'at+jwt', kid: key('ES256').kid }, claims(), issuerSigner(key('ES256')))
    await expectRefusal(guard.verify(requestLike({ token: noAlg })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    expect(recorder.urls).toEqual([])
  })

  it('A03 RS256→HS256 confusion: HMAC keyed with the RSA public key (SPKI PEM, PKCS#1 PEM, JWK) is refused', async () => {
    const guard = oauth2()
    const rsa = createPublicKey({ key: key('RS256').publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    const secrets = [
      rsa.export({ type: 'spki', format: 'pem' }) as string,
      rsa.export({ type: 'pkcs1', format: 'pem' }) as string,
      JSON.stringify(key('RS256').publicJwk),
      new Uint8Array(rsa.export({ type: 'spki', format: 'der' })),
    ]
    for (const secret of secrets) {
      for (const kid of [key('RS256').kid, undefined]) {
        const token = await craftJWS({ alg: 'HS256', typ: 'at+jwt', ...(kid !== undefined && { kid }) }, claims(), hmacSigner(secret))
        await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
      }
    }
  })

  it('A04 an algorithm outside the configured allow-list is refused (PS256 when only ES256 is allowed)', async () => {
    const guard = oauth2({ algorithms: ['ES256'] })
    await guard.verify(requestLike({ token: await mint() }))
    await expectRefusal(guard.verify(requestLike({ token: await mint({}, { kid: key('PS256').kid }) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(requestLike({ token: await mint({}, { kid: key('RS256').kid }) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
  })

  it('A05 wrong key type or curve for the alg: RSA, P-384 or Ed25519 keys are never used for ES256', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const p384 = ecKey('p384', 'P-384')
    const ed = generateKeyPairSync('ed25519')
    const server = await keyServer({
      '/jwks': {
        body: {
          keys: [
            { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa' },
            p384.jwk,
            { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed' },
          ],
        },
      },
    })
    const guard = onServer(server)
    const body = claims({ iss: server.origin })
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'rsa' }, body, nodeSigner('sha256', rsa.privateKey)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'p384' }, body, nodeSigner('sha256', p384.privateKey)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'ed' }, body, nodeSigner(null, ed.privateKey)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'PS256', typ: 'at+jwt', kid: 'ed' }, body, nodeSigner(null, ed.privateKey)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    // Control: the same keys with their own algorithms verify.
    await guard.verify(requestLike({ token: await craftJWS({ alg: 'ES384', typ: 'at+jwt', kid: 'p384' }, body, nodeSigner('sha384', p384.privateKey)) }))
    await guard.verify(requestLike({ token: await craftJWS({ alg: 'EdDSA', typ: 'at+jwt', kid: 'ed' }, body, nodeSigner(null, ed.privateKey)) }))
  })

  it('A06 an attacker key embedded as the jwk header is never used', async () => {
    const guard = oauth2()
    const attacker = ecKey('attacker')
    for (const kid of [undefined, 'attacker', key('ES256').kid]) {
      const token = await craftJWS(
        { alg: 'ES256', typ: 'at+jwt', jwk: attacker.jwk, ...(kid !== undefined && { kid }) },
        claims(),
        nodeSigner('sha256', attacker.privateKey),
      )
      await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken(kid === 'attacker' ? 'ERR_JWKS_NO_MATCHING_KEY' : 'ERR_JWT_SIGNATURE_INVALID'))
    }
  })

  it('A07 a jku header pointing at an attacker JWKS (or a metadata address) causes zero requests to it', async () => {
    const attacker = ecKey('attacker')
    const evil = await keyServer({ '/jwks': { body: { keys: [attacker.jwk] } } })
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    for (const jku of [evil.url('/jwks'), 'http://169.254.169.254/latest/meta-data/iam/security-credentials/']) {
      const token = await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker', jku }, claims(), nodeSigner('sha256', attacker.privateKey))
      await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    }
    expect(evil.requests).toEqual([])
    expect(recorder.countHost(new URL(evil.origin).host)).toBe(0)
    expect(recorder.countHost('169.254.169.254')).toBe(0)
    expect(recorder.urls).toEqual([local.jwksUri])
  })

  it('A08 x5c / x5u headers with an attacker certificate are ignored', async () => {
    const evil = await keyServer({ '/cert.pem': { body: cert.cert } })
    const attackerKey = createPrivateKey(cert.key)
    const guard = oauth2()
    const token = await craftJWS(
      { alg: 'ES256', typ: 'at+jwt', x5c: [Buffer.from(cert.der).toString('base64')], x5u: evil.url('/cert.pem') },
      claims(),
      nodeSigner('sha256', attackerKey),
    )
    await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))
    expect(evil.requests).toEqual([])
  })

  it('A09 kid path traversal with an empty HMAC secret is refused, with no filesystem lookup', async () => {
    const guard = oauth2()
    const traversal = '../../../../dev/null'
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'HS256', typ: 'at+jwt', kid: traversal }, claims(), hmacSigner('')) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    const attacker = ecKey(traversal)
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: traversal }, claims(), nodeSigner('sha256', attacker.privateKey)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
  })

  it('A10 kid with SQL or shell metacharacters is only compared as a string, and never echoed', async () => {
    const guard = oauth2()
    for (const kid of ["x' UNION SELECT 'secret' --", '`id`; cat /etc/passwd', '${jndi:ldap://x}', '%00']) {
      const error = await expectRefusal(guard.verify(requestLike({ token: await mint({}, { header: { kid } }) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
      expect(error.description).not.toContain(kid)
      expect(error.headers['www-authenticate']).not.toContain(kid)
    }
  })

  it('A11 a kid that is a number, object, array or null is refused; a huge kid is stopped by the size limit', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    for (const kid of [1, { id: 'x' }, [key('ES256').kid], null, true]) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({}, { header: { kid } }) })), invalidToken('ERR_JWT_KID_INVALID'))
    }
    expect(recorder.urls).toEqual([])
    const huge = await craftJWS(header('ES256', { kid: 'k'.repeat(1024 * 1024) }), claims(), issuerSigner(key('ES256')))
    const time = await elapsed(() => expectRefusal(guard.verify(requestLike({ token: huge })), invalidToken('ERR_TOKEN_TOO_LARGE')))
    expect(time).toBeLessThan(250)
    const long = await craftJWS(header('ES256', { kid: 'k'.repeat(4000) }), claims(), issuerSigner(key('ES256')))
    await expectRefusal(guard.verify(requestLike({ token: long })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
  })

  it('A12 a random unknown kid on every request fetches the JWKS at most once per cooldown', async () => {
    const recorder = recordingFetch()
    const clock = new TestClock()
    const guard = oauth2({ fetch: recorder.fetch, clock: clock.now })
    const forged = () => `${segment({ alg: 'ES256', typ: 'at+jwt', kid: crypto.randomUUID() })}.${segment(claims())}.${randomSignature()}`
    for (let i = 0; i < 50; i++) await expectRefusal(guard.verify(requestLike({ token: forged() })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    expect(recorder.count(local.jwksUri)).toBe(1)
    clock.advance(29)
    await Promise.all(Array.from({ length: 50 }, () => expectRefusal(guard.verify(requestLike({ token: forged() })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))))
    expect(recorder.count(local.jwksUri)).toBe(1)
    clock.advance(1)
    for (let i = 0; i < 50; i++) await expectRefusal(guard.verify(requestLike({ token: forged() })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    expect(recorder.count(local.jwksUri)).toBe(2)
  })

  it('A13 rotation stampede: 500 concurrent requests with a new kid all succeed on one JWKS fetch', async () => {
    const issuer = await createLocalIssuer({ audience: RS })
    try {
      const recorder = recordingFetch()
      const clock = new TestClock()
      const guard = createGuard({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: RS, profile: 'oauth2', clock: clock.now, fetch: recorder.fetch })
      // Cold start: 500 concurrent first requests share the first load.
      const first = await issuer.mint({}, { now: NOW })
      const cold = await Promise.allSettled(Array.from({ length: 500 }, () => guard.verify(requestLike({ token: first }))))
      expect(cold.filter((result) => result.status === 'rejected')).toEqual([])
      expect(recorder.count(issuer.jwksUri)).toBe(1)
      // Rotation: a new kid, 500 concurrent requests, one refetch.
      clock.advance(60)
      const rotated = await issuer.addKey('ES256')
      const token = await issuer.mint({}, { now: NOW, kid: rotated.kid })
      const results = await Promise.allSettled(Array.from({ length: 500 }, () => guard.verify(requestLike({ token: token }))))
      expect(results.filter((result) => result.status === 'rejected')).toEqual([])
      expect(recorder.count(issuer.jwksUri)).toBe(2)
    } finally {
      await issuer.close()
    }
  })

  it('A14 JWKS outages (refused, not found, timeout, 500, non-JSON, {"keys":"x"}) fail closed; cached keys keep working', async () => {
    const known = ecKey('known')
    const unknownKid = (iss: string) => `${segment({ alg: 'ES256', typ: 'at+jwt', kid: 'unknown' })}.${segment(claims({ iss, exp: NOW + 3600 }))}.${randomSignature()}`
    const cold = async (jwksUri: string, extra: Partial<GuardOptions> = {}) => {
      const iss = new URL(jwksUri).origin
      const guard = createGuard({ issuer: iss, jwksUri, audience: RS, profile: 'oauth2', clock: new TestClock().now, httpTimeout: 300, ...extra })
      await expectRefusal(guard.verify(requestLike({ token: unknownKid(iss) })), UNAVAILABLE)
    }
    await cold(await closedPortURL())
    await cold('https://jwks.invalid/jwks')

    const failures: Record<string, Reply> = {
      timeout: { delayMs: 5000, body: { keys: [] } },
      'http 500': { status: 500, body: { error: 'server_error' } },
      'non-JSON': { body: '<html>maintenance</html>', headers: { 'content-type': 'text/html' } },
      'keys not an array': { body: { keys: 'x' } },
      'JSON array': { body: [known.jwk] },
    }
    for (const [name, failure] of Object.entries(failures)) {
      const server = await keyServer({ '/jwks': { body: { keys: [known.jwk] } } })
      const clock = new TestClock()
      const guard = onServer(server, { clock: clock.now, httpTimeout: 300 })
      const good = await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'known' }, claims({ iss: server.origin, exp: NOW + 3600 }), nodeSigner('sha256', known.privateKey))
      await guard.verify(requestLike({ token: good }))
      server.route('/jwks', failure)
      clock.advance(700) // past the cooldown and the cache's max age
      const time = await elapsed(() => expectRefusal(guard.verify(requestLike({ token: unknownKid(server.origin) })), UNAVAILABLE))
      expect(time, name).toBeLessThan(2000)
      await guard.verify(requestLike({ token: good }))
      expect(server.count('/jwks'), name).toBe(2)
    }

    // Connection refused after the keys were cached.
    const server = await keyServer({ '/jwks': { body: { keys: [known.jwk] } } })
    const clock = new TestClock()
    const guard = onServer(server, { clock: clock.now })
    const good = await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'known' }, claims({ iss: server.origin, exp: NOW + 3600 }), nodeSigner('sha256', known.privateKey))
    await guard.verify(requestLike({ token: good }))
    await server.close()
    clock.advance(700)
    await expectRefusal(guard.verify(requestLike({ token: unknownKid(server.origin) })), UNAVAILABLE)
    await guard.verify(requestLike({ token: good }))
  })

  it('A15 a JWKS URL answering 302 to another host is not followed', async () => {
    const server = await keyServer({ '/jwks': { status: 302, headers: { location: local.jwksUri } } })
    const recorder = recordingFetch()
    const before = local.hits.get('/jwks') ?? 0
    const guard = onServer(server, { fetch: recorder.fetch })
    await expectRefusal(guard.verify(requestLike({ token: await mint({ iss: server.origin }) })), UNAVAILABLE)
    expect(recorder.urls).toEqual([server.url('/jwks')])
    expect(local.hits.get('/jwks') ?? 0).toBe(before)
  })

  it('A16 a private key or an oct key in the JWKS is never used', async () => {
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const server = await keyServer({
      '/jwks': {
        body: {
          keys: [
            { ...priv.privateKey.export({ format: 'jwk' }), kid: 'private' },
            { kty: 'oct', k: b64u('shared-secret-shared-secret-1234'), kid: 'oct' },
            { kty: 'oct', k: b64u('shared-secret-shared-secret-1234'), kid: 'oct-es', alg: 'ES256' },
          ],
        },
      },
    })
    const guard = onServer(server)
    const body = claims({ iss: server.origin })
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'private' }, body, nodeSigner('sha256', priv.privateKey)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'HS256', typ: 'at+jwt', kid: 'oct' }, body, hmacSigner('shared-secret-shared-secret-1234')) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'oct-es' }, body, nodeSigner('sha256', priv.privateKey)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
  })

  it('A17 a token without kid when several JWKS keys fit is refused', async () => {
    const one = ecKey('one')
    const two = ecKey('two')
    const server = await keyServer({ '/jwks': { body: { keys: [one.jwk, two.jwk] } } })
    const guard = onServer(server)
    const body = claims({ iss: server.origin })
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt' }, body, nodeSigner('sha256', one.privateKey)) })), invalidToken('ERR_JWKS_MULTIPLE_MATCHING_KEYS'))
    await guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'two' }, body, nodeSigner('sha256', two.privateKey)) }))
  })

  it('A18 crit naming an extension the resource server does not understand is refused', async () => {
    const token = await craftJWS(header('ES256', { crit: ['urn:x'], 'urn:x': true }), claims(), issuerSigner(key('ES256')))
    await expectRefusal(oauth2().verify(requestLike({ token: token })), invalidToken('ERR_JWT_CRIT_UNSUPPORTED'))
  })

  it('A19 crit naming prototype members (constructor, __proto__, toString) is refused', async () => {
    const guard = oauth2()
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const raw = `{"alg":"ES256","typ":"at+jwt","kid":${JSON.stringify(key('ES256').kid)},"crit":[${JSON.stringify(name)}]}`
      await expectRefusal(guard.verify(requestLike({ token: await craftJWS(raw, claims(), issuerSigner(key('ES256'))) })), invalidToken('ERR_JWT_CRIT_UNSUPPORTED'))
    }
  })

  it('A20 b64:false: refused with crit; ignored without crit (payload still read as base64url)', async () => {
    const guard = oauth2()
    const signer = issuerSigner(key('ES256'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS(header('ES256', { b64: false, crit: ['b64'] }), claims(), signer) })), invalidToken('ERR_JWT_CRIT_UNSUPPORTED'))
    const ignored = await guard.verify(requestLike({ token: await craftJWS(header('ES256', { b64: false }), claims(), signer) }))
    expect(ignored.subject).toBe('user-1')
    // An unencoded payload (RFC 7797) is not a base64url segment: refused before any decoding.
    const protectedHeader = segment(header('ES256', { b64: false }))
    const rawPayload = JSON.stringify(claims())
    const unencoded = `${protectedHeader}.${rawPayload}.${b64u(await signer(`${protectedHeader}.${rawPayload}`))}`
    await expectRefusal(guard.verify(requestLike({ token: unencoded })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
  })

  it('A21 JWS JSON serialization and 5-part JWE are refused cheaply, without JWE processing', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    const compact = await mint()
    const [protectedHeader, payload, signature] = compact.split('.')
    const json = JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] })
    await expectRefusal(guard.verify(requestLike({ token: json })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ token: b64u(json) })), invalidToken('ERR_TOKEN_MALFORMED'))
    const jwe = [segment({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: key('RS256').kid }), 'AAAA', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.')
    const error = await expectRefusal(guard.verify(requestLike({ token: jwe })), invalidToken('ERR_TOKEN_MALFORMED'))
    expect(error.description).toMatch(/encrypted \(JWE\) access tokens are not accepted/)
    expect(recorder.urls).toEqual([])
  })

  it('A22 malformed compact tokens: wrong segment count, empty or padded signature, base64 alphabet, invalid UTF-8', async () => {
    const guard = oauth2()
    const good = await mint()
    const [h, p, s] = good.split('.') as [string, string, string]
    const cases = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.${s}==`,
      `${h}.${p}.${s.slice(0, -2)}+/`,
      `${h}.${p.slice(0, -1)}.${s}`,
      `${h}.${segment(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]))}.${s}`,
      `${segment(new Uint8Array([0xc3, 0x28]))}.${p}.${s}`,
      'a',
    ]
    for (const token of cases) await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_TOKEN_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ token: `${h}=.${p}.${s}` })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ token: 'an"invalid"token' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    await guard.verify(requestLike({ token: good }))
  })

  it('A23 a token made of thousands of dots is refused in linear time', async () => {
    const guard = oauth2({ maxTokenLength: 1_000_000 })
    const dots = '.'.repeat(999_000)
    const alternating = 'a.'.repeat(499_000)
    const time = await elapsed(async () => {
      for (let i = 0; i < 20; i++) {
        await expectRefusal(guard.verify(requestLike({ token: dots })), invalidToken('ERR_TOKEN_MALFORMED'))
        await expectRefusal(guard.verify(requestLike({ token: alternating })), invalidToken('ERR_TOKEN_MALFORMED'))
      }
    })
    expect(time).toBeLessThan(1000)
  })

  it('A24 an oversized Authorization header or token is refused before any decoding', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    const good = await mint()
    await expectRefusal(guard.verify(requestLike({ authorization: `Bearer ${'A'.repeat(16 * 1024 + 1)}` })), invalidToken('ERR_TOKEN_TOO_LARGE'))
    await expectRefusal(guard.verify(requestLike({ token: `${good}${'A'.repeat(8193 - good.length)}` })), invalidToken('ERR_TOKEN_TOO_LARGE'))
    await expectRefusal(guard.verify(requestLike({ authorization: `Bearer    ${'A'.repeat(8193)}` })), invalidToken('ERR_TOKEN_TOO_LARGE'))
    await expectRefusal(guard.verify(requestLike({ token: `${'A'.repeat(4000)}.${'A'.repeat(4000)}.${'A'.repeat(190)}` })), invalidToken('ERR_TOKEN_MALFORMED'))
    expect(recorder.urls).toEqual([])
    const small = oauth2({ maxTokenLength: 256 })
    await expectRefusal(small.verify(requestLike({ token: good })), invalidToken('ERR_TOKEN_TOO_LARGE'))
  })

  it('A25 claims nested 100 000 deep are refused and the process survives', async () => {
    const guard = oauth2({ maxTokenLength: 2_000_000 })
    const depth = 100_000
    for (const nested of [`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`]) {
      const token = `${segment(header('ES256'))}.${segment(rawClaims(`,"exp":${NOW + 300},"x":${nested}`))}.${randomSignature()}`
      const time = await elapsed(() => expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWT_SIGNATURE_INVALID')))
      expect(time).toBeLessThan(2000)
      const unbalanced = `${segment(header('ES256'))}.${segment(`{"x":${'['.repeat(depth)}`)}.${randomSignature()}`
      await expectRefusal(guard.verify(requestLike({ token: unbalanced })), invalidToken('ERR_TOKEN_MALFORMED'))
    }
    await expectRefusal(oauth2().verify(requestLike({ token: `${segment(header('ES256'))}.${segment(`{"x":${'['.repeat(depth)}${']'.repeat(depth)}}`)}.AAAA` })), invalidToken('ERR_TOKEN_TOO_LARGE'))
  })

  it('A26 duplicate header members: the last one wins, for the allow-list and the verifier alike', async () => {
    const guard = oauth2({ algorithms: ['ES256', 'PS256'] })
    const kid = JSON.stringify(key('ES256').kid)
    const signer = issuerSigner(key('ES256'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS(`{"alg":"ES256","alg":"HS256","typ":"at+jwt","kid":${kid}}`, claims(), signer) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS(`{"alg":"ES256","alg":"PS256","typ":"at+jwt","kid":${kid}}`, claims(), signer) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS(`{"alg":"ES256","typ":"at+jwt","typ":"JWT","kid":${kid}}`, claims(), signer) })), invalidToken('ERR_JWT_TYP_INVALID'))
    // Consistent: when the last alg is the one the signature was made with, it verifies with that alg.
    await guard.verify(requestLike({ token: await craftJWS(`{"alg":"HS256","alg":"ES256","typ":"at+jwt","kid":${kid}}`, claims(), signer) }))
  })

  it('A27 duplicate claims: the last one wins everywhere (subject, scopes, audience)', async () => {
    const guard = oauth2()
    const signer = issuerSigner(key('ES256'))
    const sign = (tail: string) => craftJWS(header('ES256'), rawClaims(`,"exp":${NOW + 300}${tail}`), signer)
    const auth = await guard.verify(requestLike({ token: await sign(',"sub":"alice","sub":"admin","scope":"read","scope":"admin"') }), { scopes: ['admin'] })
    expect(auth.subject).toBe('admin')
    expect(auth.claims.sub).toBe('admin')
    expect(auth.scopes).toEqual(['admin'])
    await expectRefusal(guard.verify(requestLike({ token: await sign(',"scope":"read","scope":"admin"') }), { scopes: ['read'] }), {
      status: 403,
      error: 'insufficient_scope',
      code: 'ERR_INSUFFICIENT_SCOPE',
    })
    await expectRefusal(guard.verify(requestLike({ token: await sign(`,"aud":${JSON.stringify(RS)},"aud":"https://other.example/"`) })), invalidToken('ERR_JWT_AUDIENCE_INVALID'))
  })

  it('A28 a payload that is an array, string, number, null or not JSON is refused', async () => {
    const guard = oauth2()
    for (const payload of ['[1,2]', '"claims"', '42', 'null', 'true', '{"iss":', 'not json', '']) {
      await expectRefusal(guard.verify(requestLike({ token: await craftJWS(header('ES256'), payload, issuerSigner(key('ES256'))) })), invalidToken('ERR_TOKEN_MALFORMED'))
    }
  })

  it('A29 exp absent is refused in every profile', async () => {
    await expectRefusal(oauth2().verify(requestLike({ token: await mint({ exp: undefined }) })), invalidToken('ERR_JWT_CLAIM_INVALID'))
    const fapi = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now })
    const token = await mint({ exp: undefined, cnf: { 'x5t#S256': cert.thumbprint } })
    await expectRefusal(fapi.verify(requestLike({ token: token, clientCertificate: cert.der })), invalidToken('ERR_JWT_CLAIM_INVALID'))
  })

  it('A30 time claims of the wrong type are refused', async () => {
    const guard = oauth2()
    for (const wrong of [{ exp: '9999999999' }, { exp: true }, { exp: null }, { exp: [NOW + 60] }, { exp: { t: NOW + 60 } }, { nbf: '0' }, { nbf: null }, { iat: 'now' }, { iat: false }]) {
      await expectRefusal(guard.verify(requestLike({ token: await mint(wrong) })), invalidToken('ERR_JWT_CLAIM_INVALID'))
    }
  })

  it('A31 exp in milliseconds or beyond the maximum lifetime is refused', async () => {
    const guard = oauth2()
    await expectRefusal(guard.verify(requestLike({ token: await mint({ exp: NOW * 1000 }) })), invalidToken('ERR_JWT_LIFETIME_TOO_LONG'))
    await expectRefusal(guard.verify(requestLike({ token: await mint({ exp: NOW + 2 * 86_400 }) })), invalidToken('ERR_JWT_LIFETIME_TOO_LONG'))
    await guard.verify(requestLike({ token: await mint({ exp: NOW + 86_400 }) }))
    const hour = oauth2({ maxTokenLifetime: 3600 })
    await hour.verify(requestLike({ token: await mint({ exp: NOW + 3600 }) }))
    await expectRefusal(hour.verify(requestLike({ token: await mint({ exp: NOW + 3606 }) })), invalidToken('ERR_JWT_LIFETIME_TOO_LONG'))
  })

  it('A32 non-finite time claims (1e400 → Infinity) are refused; huge ones hit the lifetime cap; fractions are fine', async () => {
    const guard = oauth2()
    const sign = (tail: string) => craftJWS(header('ES256'), rawClaims(tail), issuerSigner(key('ES256')))
    await expectRefusal(guard.verify(requestLike({ token: await sign(',"exp":1e400') })), invalidToken('ERR_JWT_CLAIM_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await sign(',"exp":-1e400') })), invalidToken('ERR_JWT_CLAIM_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await sign(`,"exp":${NOW + 300},"nbf":-1e400`) })), invalidToken('ERR_JWT_CLAIM_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await sign(`,"exp":${NOW + 300},"iat":1e400`) })), invalidToken('ERR_JWT_CLAIM_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await sign(',"exp":1.5e308') })), invalidToken('ERR_JWT_LIFETIME_TOO_LONG'))
    await guard.verify(requestLike({ token: await sign(`,"exp":${NOW + 100.5}`) }))
  })

  it('A33 nbf beyond the skew allowance is refused', async () => {
    const guard = oauth2()
    await guard.verify(requestLike({ token: await mint({ nbf: NOW + 5 }) }))
    await expectRefusal(guard.verify(requestLike({ token: await mint({ nbf: NOW + 6 }) })), invalidToken('ERR_JWT_NOT_YET_VALID'))
    await expectRefusal(guard.verify(requestLike({ token: await mint({ nbf: NOW + 3600 }) })), invalidToken('ERR_JWT_NOT_YET_VALID'))
  })

  it('A34 iat far in the future is refused, with no maxTokenAge option needed', async () => {
    const guard = oauth2()
    await expectRefusal(guard.verify(requestLike({ token: await mint({ iat: NOW + 3600 }) })), invalidToken('ERR_JWT_ISSUED_IN_FUTURE'))
    await expectRefusal(guard.verify(requestLike({ token: await mint({ iat: NOW + 6 }) })), invalidToken('ERR_JWT_ISSUED_IN_FUTURE'))
    await guard.verify(requestLike({ token: await mint({ iat: NOW + 5 }) }))
  })

  it('A35 clock-skew boundaries: exp = now - skew is refused, exp = now - skew + 1 accepted', async () => {
    for (const skew of [5, 60]) {
      const guard = oauth2({ clockTolerance: skew })
      await expectRefusal(guard.verify(requestLike({ token: await mint({ exp: NOW - skew, iat: NOW - 600 }) })), invalidToken('ERR_JWT_EXPIRED'))
      await guard.verify(requestLike({ token: await mint({ exp: NOW - skew + 1, iat: NOW - 600 }) }))
    }
    const clock = new TestClock()
    const guard = oauth2({ clock: clock.now, clockTolerance: 0 })
    const token = await mint({ exp: NOW + 10 })
    clock.advance(9.999)
    await guard.verify(requestLike({ token: token }))
    clock.advance(0.001)
    await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWT_EXPIRED'))
  })

  it('A36 a clock that returns garbage fails closed: an expired token is never let through', async () => {
    for (const garbage of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      // Garbage from the start is a configuration error …
      expect(() => createGuard({ issuer: { issuer: local.issuer, jwks: { keys: [key('ES256').publicJwk] } }, audience: RS, profile: 'oauth2', clock: () => garbage })).toThrow(/option "clock"/)
      // … and a clock that goes wrong later fails closed at request time: a fault of the server (500
      // ERR_INTERNAL, the clock named in the cause), never a token reported as malformed.
      let calls = 0
      const broken = () => (calls++ === 0 ? NOW * 1000 : garbage)
      const guard = createGuard({ issuer: { issuer: local.issuer, jwks: { keys: [key('ES256').publicJwk] } }, audience: RS, profile: 'oauth2', clock: broken })
      for (const token of [await mint({ exp: NOW - 3600, iat: NOW - 7200 }), await mint()]) {
        const error = await refusal(guard.verify(requestLike({ token })))
        expect(error).toMatchObject({ status: 500, code: 'ERR_INTERNAL', error: 'server_error' })
        expect(String((error.cause as Error).message)).toMatch(/option "clock"/)
        expect(error.headers['www-authenticate']).toBeUndefined()
      }
    }
  })

  it('A37 iss wrong, an array, with a trailing slash, or with a suffix is refused', async () => {
    const guard = oauth2()
    for (const iss of ['https://evil.example', [local.issuer], `${local.issuer}/`, `${local.issuer}.evil`, `${local.issuer}evil`, local.issuer.toUpperCase(), null, 1]) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({ iss }) })), invalidToken('ERR_JWT_ISSUER_INVALID'))
    }
  })

  it('A38 aud missing, wrong, empty, or with non-string members is refused; an array containing ours is accepted', async () => {
    const guard = oauth2()
    await guard.verify(requestLike({ token: await mint({ aud: ['https://other.example/', RS] }) }))
    for (const aud of [undefined, 'https://other.example/', [], [1, RS], [RS, null], { [RS]: true }, null, `${RS} https://other.example/`]) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({ aud }) })), invalidToken('ERR_JWT_AUDIENCE_INVALID'))
    }
  })

  it('A39 an ID token (same issuer and key, typ absent or JWT) is refused as an access token', async () => {
    const guard = oauth2()
    const idToken = { aud: 'client-1', nonce: 'abc', auth_time: NOW - 5, azp: 'client-1' }
    for (const typ of [undefined, 'JWT']) {
      await expectRefusal(guard.verify(requestLike({ token: await mint(idToken, { header: { typ } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    }
  })

  it('A40 a DPoP proof, refresh token, logout token or client assertion is refused as an access token', async () => {
    const guard = oauth2()
    const proofKey = ecKey('proof')
    const proof = await craftJWS(
      { typ: 'dpop+jwt', alg: 'ES256', jwk: proofKey.jwk },
      { jti: 'p', htm: 'GET', htu: 'https://api.example.test/accounts', iat: NOW },
      nodeSigner('sha256', proofKey.privateKey),
    )
    await expectRefusal(guard.verify(requestLike({ token: proof })), invalidToken('ERR_JWT_TYP_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await mint({}, { header: { typ: 'dpop+jwt' } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await mint({ token_use: 'refresh' }, { header: { typ: 'rt+jwt' } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await mint({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, { header: { typ: 'logout+jwt' } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    const assertion = { iss: 'client-1', sub: 'client-1', aud: `${local.issuer}/token` }
    await expectRefusal(guard.verify(requestLike({ token: await mint(assertion, { header: { typ: undefined } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
  })

  it('A41 a valid key of another trusted issuer does not verify tokens of the first', async () => {
    const tenant = await createLocalIssuer({ audience: RS })
    try {
      const recorder = recordingFetch()
      const guard = createGuard({
        issuer: [
          { issuer: local.issuer, jwksUri: local.jwksUri },
          { issuer: tenant.issuer, jwksUri: tenant.jwksUri },
        ],
        audience: RS,
        profile: 'oauth2',
        clock: new TestClock().now,
        fetch: recorder.fetch,
      })
      const crossSigned = await tenant.mint({ iss: local.issuer }, { now: NOW })
      await expectRefusal(guard.verify(requestLike({ token: crossSigned })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
      expect(recorder.count(tenant.jwksUri)).toBe(0)
      await guard.verify(requestLike({ token: await tenant.mint({}, { now: NOW }) }))
      await expectRefusal(guard.verify(requestLike({ token: crossSigned })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    } finally {
      await tenant.close()
    }
  })

  it('A42 psychic signature: ES256 with r = s = 0 (or r = s = n) is refused', async () => {
    const guard = oauth2()
    const token = await mint()
    const order = Buffer.from(P256_ORDER.toString(16), 'hex')
    for (const signature of [new Uint8Array(64), Uint8Array.of(...order, ...order), Uint8Array.of(...new Uint8Array(32), ...signatureOf(token).subarray(32))]) {
      await expectRefusal(guard.verify(requestLike({ token: withSignature(token, signature) })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))
    }
  })

  it('A43 a DER-encoded or wrong-length ECDSA signature is refused; the (r, n−s) twin is treated alike by both backends', async () => {
    const guard = oauth2()
    const token = await mint()
    const raw = signatureOf(token)
    for (const signature of [derFromRawECDSA(raw), raw.subarray(0, 63), Uint8Array.of(...raw, 0), Uint8Array.of(...raw, ...raw)]) {
      await expectRefusal(guard.verify(requestLike({ token: withSignature(token, signature) })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))
    }
    // ECDSA itself accepts both s and n−s (JWS does not ask for low-S); what matters is that both backends agree.
    const twin = await guard.verify(requestLike({ token: withSignature(token, otherSOfECDSA(raw)) }))
    expect(twin.subject).toBe('user-1')
  })

  it('A44 a PBES2 JWE with a huge p2c is refused without any key derivation', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    const jwe = [segment({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 2_147_483_647, p2s: b64u('salt-salt-salt') }), 'AAAA', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.')
    const time = await elapsed(() => expectRefusal(guard.verify(requestLike({ token: jwe })), invalidToken('ERR_TOKEN_MALFORMED')))
    // PBKDF2 with 2^31 iterations would take minutes; the refusal is a segment count.
    expect(time).toBeLessThan(250)
    expect(recorder.urls).toEqual([])
  })

  it('A47 an HMAC secret is never looked up from token data (oct key in the JWKS, HS256 with its kid)', async () => {
    const secret = 'issuer-shared-secret-0123456789ab'
    const server = await keyServer({ '/jwks': { body: { keys: [{ kty: 'oct', k: b64u(secret), kid: 'hmac', alg: 'HS256' }, ecKey('ec').jwk] } } })
    const guard = onServer(server)
    const body = claims({ iss: server.origin })
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'HS256', typ: 'at+jwt', kid: 'hmac' }, body, hmacSigner(secret)) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'HS256', typ: 'at+jwt', iss: server.origin }, body, hmacSigner(secret)) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'hmac' }, body, hmacSigner(secret)) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
  })

  it('A48 thumbprints are compared whole and in constant time: a difference at the first or last character is refused alike', async () => {
    expect(timingSafeEqualString(cert.thumbprint, cert.thumbprint)).toBe(true)
    const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`
    const first = flip(cert.thumbprint, 0)
    const last = flip(cert.thumbprint, cert.thumbprint.length - 1)
    expect(timingSafeEqualString(first, cert.thumbprint)).toBe(false)
    expect(timingSafeEqualString(last, cert.thumbprint)).toBe(false)
    expect(timingSafeEqualString(cert.thumbprint.slice(0, -1), cert.thumbprint)).toBe(false)
    expect(timingSafeEqualString('', '')).toBe(true)
    const fapi = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now })
    for (const thumbprint of [first, last]) {
      const token = await mint({ cnf: { 'x5t#S256': thumbprint } })
      await expectRefusal(fapi.verify(requestLike({ token: token, clientCertificate: cert.der })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH'))
    }
  })
})
