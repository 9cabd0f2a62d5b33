import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createLocalIssuer,
  createTestCertificate,
  type LocalIssuer,
  type LocalIssuerAlgorithm,
  type LocalIssuerKey,
  type MintOptions,
  type TestCertificate,
} from '@fapi-guard/testing'
import type { GuardOptions, JSONWebKeySet } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { backends, type CreateGuard } from '../support/backends.js'
import { challengeParam } from '../support/challenge.js'
import { b64u, craftJWS, flipSignatureBit, hmacSigner, issuerSigner, nodeSigner } from '../support/jws.js'
import { recordingFetch } from '../support/recording-fetch.js'
import { NOW, TestClock, requestLike, expectRefusal, invalidToken } from '../support/kit.js'

const AS = 'https://as.example.com'
const RS = 'https://rs.example.com/'

let local: LocalIssuer
let cert: TestCertificate

beforeAll(async () => {
  local = await createLocalIssuer({ algorithms: ['ES256', 'PS256', 'EdDSA', 'RS256'], audience: RS })
  cert = createTestCertificate('client-1')
})
afterAll(() => local.close())

function key(alg: LocalIssuerAlgorithm): LocalIssuerKey {
  const found = local.keys.find((candidate) => candidate.alg === alg)
  if (found === undefined) throw new Error(`no ${alg} key`)
  return found
}

/** A token of the local issuer, minted at the suite's frozen time. */
function mint(claims: Record<string, unknown> = {}, options: MintOptions = {}): Promise<string> {
  return local.mint(claims, { now: NOW, ...options })
}

/** Valid RFC 9068 claims of the local issuer, as a plain object (for hand-crafted tokens). */
function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: local.issuer, aud: RS, sub: 'user-1', client_id: 'client-1', iat: NOW, exp: NOW + 300, jti: 'jti-1', ...extra }
}

function header(alg: LocalIssuerAlgorithm, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg, typ: 'at+jwt', kid: key(alg).kid, ...extra }
}

/** The public keys of the local issuer, for an inline `jwks`. */
function localJWKS(): JSONWebKeySet {
  return { keys: local.keys.map((item) => item.publicJwk) }
}

/** The suite's guards and requests, built by one entry's `createGuard`. */
function guards(createGuard: CreateGuard) {
  /** `oauth2` guard on the local issuer's JWKS over loopback, clock frozen. */
  function oauth2(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', clock: new TestClock().now, ...extra })
  }

  /** Default-profile (`fapi2`) guard. */
  function fapi2(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now, ...extra })
  }

  /** A certificate-bound token and the request that presents it with the matching certificate. */
  async function boundRequest(extraClaims: Record<string, unknown> = {}, options: MintOptions = {}) {
    const token = await mint({ cnf: { 'x5t#S256': cert.thumbprint }, ...extraClaims }, options)
    return requestLike({ token: token, clientCertificate: cert.der })
  }
  return { oauth2, fapi2, boundRequest }
}

describe('RFC 9068 JWT access-token validation', () => {
  const { oauth2, fapi2, boundRequest } = guards(createGuard)

  it('JWTAT-01 typ must be at+jwt or application/at+jwt, compared as a media type', async () => {
    const guard = oauth2()
    for (const typ of ['at+jwt', 'application/at+jwt', 'at+JWT', 'Application/AT+JWT']) {
      const auth = await guard.verify(requestLike({ token: await mint({}, { header: { typ } }) }))
      expect(auth.source).toBe('jwt')
    }
    for (const typ of ['JWT', undefined, 'dpop+jwt', 'jwt', 'at+jwt+x', 'application/jwt', 7]) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({}, { header: { typ } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    }
  })

  it('JWTAT-03 iss must match the configured issuer exactly, with no URL normalization', async () => {
    const guard = createGuard({ issuer: { issuer: AS, jwks: localJWKS() }, audience: RS, profile: 'oauth2', clock: new TestClock().now })
    const auth = await guard.verify(requestLike({ token: await mint({ iss: AS }) }))
    expect(auth.issuer).toBe(AS)
    for (const iss of [`${AS}/`, 'https://AS.example.com', 'https://as.example.com:443', 'http://as.example.com', `${AS}.evil`, ' https://as.example.com']) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({ iss }) })), invalidToken('ERR_JWT_ISSUER_INVALID'))
    }
  })

  it('JWTAT-04 aud must contain this resource server identifier', async () => {
    const guard = oauth2()
    await guard.verify(requestLike({ token: await mint({ aud: RS }) }))
    await guard.verify(requestLike({ token: await mint({ aud: ['x', RS] }) }))
    for (const aud of ['https://rs.example.com', undefined, [], ['x'], 'https://RS.example.com/']) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({ aud }) })), invalidToken('ERR_JWT_AUDIENCE_INVALID'))
    }
  })

  it('JWTAT-06 exp must be in the future, within clockTolerance; exp is required', async () => {
    const strict = oauth2({ clockTolerance: 0 })
    await expectRefusal(strict.verify(requestLike({ token: await mint({ exp: NOW - 1 }) })), invalidToken('ERR_JWT_EXPIRED'))
    await expectRefusal(strict.verify(requestLike({ token: await mint({ exp: NOW }) })), invalidToken('ERR_JWT_EXPIRED'))
    await strict.verify(requestLike({ token: await mint({ exp: NOW + 1 }) }))
    const lenient = oauth2({ clockTolerance: 60 })
    await lenient.verify(requestLike({ token: await mint({ exp: NOW - 30, iat: NOW - 330 }) }))
    await expectRefusal(lenient.verify(requestLike({ token: await mint({ exp: NOW - 61, iat: NOW - 361 }) })), invalidToken('ERR_JWT_EXPIRED'))
    await expectRefusal(lenient.verify(requestLike({ token: await mint({ exp: undefined }) })), invalidToken('ERR_JWT_CLAIM_INVALID'))
  })

  it('JWTAT-07 every validation failure is invalid_token, in the challenge of the scheme the client used', async () => {
    const guard = oauth2({ dpop: { algorithms: ['ES256'] } })
    const failures: Array<[string, Promise<string>]> = [
      ['ERR_JWT_TYP_INVALID', mint({}, { header: { typ: 'JWT' } })],
      ['ERR_JWT_ISSUER_INVALID', mint({ iss: 'https://elsewhere.example' })],
      ['ERR_JWT_AUDIENCE_INVALID', mint({ aud: 'https://other.example/' })],
      ['ERR_JWT_EXPIRED', mint({ exp: NOW - 60, iat: NOW - 360 })],
      ['ERR_JWT_SIGNATURE_INVALID', mint().then(flipSignatureBit)],
      ['ERR_JWT_ALG_NOT_ALLOWED', mint().then((token) => `${b64u('{"alg":"HS256","typ":"at+jwt"}')}.${token.split('.')[1]}.AAAA`)],
    ]
    for (const [code, pending] of failures) {
      const token = await pending
      const viaBearer = await expectRefusal(guard.verify(requestLike({ authorization: `Bearer ${token}` })), invalidToken(code))
      const bearerChallenge = viaBearer.headers['www-authenticate'] as string
      expect(challengeParam(bearerChallenge, 'Bearer', 'error')).toBe('invalid_token')
      expect(challengeParam(bearerChallenge, 'DPoP', 'error')).toBeUndefined()
      const viaDPoP = await expectRefusal(guard.verify(requestLike({ authorization: `DPoP ${token}` })), invalidToken(code))
      const dpopChallenge = viaDPoP.headers['www-authenticate'] as string
      expect(challengeParam(dpopChallenge, 'DPoP', 'error')).toBe('invalid_token')
      expect(challengeParam(dpopChallenge, 'Bearer', 'error')).toBeUndefined()
    }
    const expired = await expectRefusal(guard.verify(requestLike({ authorization: `DPoP ${await mint({ exp: NOW - 60, iat: NOW - 360 })}` })), invalidToken('ERR_JWT_EXPIRED'))
    expect(expired.headers['www-authenticate']).toBe(
      'Bearer realm="api", DPoP error="invalid_token", error_description="the access token has expired", algs="ES256"',
    )
  })

  it('JWTAT-08 fapi2 requires iss, exp, aud, sub, client_id, iat, jti, with string types', async () => {
    const guard = fapi2()
    const auth = await guard.verify(await boundRequest())
    expect(auth).toMatchObject({ subject: 'user-1', clientId: 'client-1', binding: { mtls: { x5tS256: cert.thumbprint } } })
    for (const missing of ['sub', 'client_id', 'iat', 'jti']) {
      await expectRefusal(guard.verify(await boundRequest({ [missing]: undefined })), invalidToken('ERR_JWT_CLAIM_INVALID'))
    }
    for (const wrong of [{ jti: 42 }, { jti: '' }, { sub: ['user-1'] }, { client_id: null }, { iat: '1750000000' }, { scope: ['a'] }, { scp: 7 }, { scp: ['a', 1] }]) {
      await expectRefusal(guard.verify(await boundRequest(wrong)), invalidToken('ERR_JWT_CLAIM_INVALID'))
    }
    // oauth2 keeps the RFC 9068 §2.2 claims optional for the resource server, but still type-checks them.
    const lenient = oauth2()
    const noClientId = await lenient.verify(requestLike({ token: await mint({ client_id: undefined }) }))
    expect(noClientId.clientId).toBeUndefined()
    await expectRefusal(lenient.verify(requestLike({ token: await mint({ jti: 7 }) })), invalidToken('ERR_JWT_CLAIM_INVALID'))
  })

  it('JWTAT-09 the scope claim authorizes: a granted scope passes, a missing one is 403 insufficient_scope', async () => {
    const guard = oauth2({ dpop: false })
    const token = await mint({ scope: 'openid profile reademail' })
    const auth = await guard.verify(requestLike({ token: token }), { scopes: ['reademail'] })
    expect(auth.scopes).toEqual(['openid', 'profile', 'reademail'])
    await expectRefusal(guard.verify(requestLike({ token: token }), { scopes: ['write'] }), {
      status: 403,
      error: 'insufficient_scope',
      code: 'ERR_INSUFFICIENT_SCOPE',
      challenge: 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a scope this resource needs", scope="write"',
    })
    // Scope values are case-sensitive and compared whole.
    await expectRefusal(guard.verify(requestLike({ token: token }), { scopes: ['ReadEmail'] }), { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' })
    await expectRefusal(guard.verify(requestLike({ token: token }), { scopes: ['read'] }), { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' })
  })

  it('JWTAT-10 optional auth_time, acr, amr are accepted and handed through in claims', async () => {
    const auth = await oauth2().verify(requestLike({ token: await mint({ auth_time: NOW - 100, acr: 'urn:mace:incommon:iap:silver', amr: ['pwd', 'otp'] }) }))
    expect(auth.claims).toMatchObject({ auth_time: NOW - 100, acr: 'urn:mace:incommon:iap:silver', amr: ['pwd', 'otp'] })
  })

  it('JWTAT-12 an OIDC ID Token from the same issuer and key is not an access token', async () => {
    const idTokenClaims = { aud: 'client-1', nonce: 'n-0S6_WzA2Mj', auth_time: NOW - 10, client_id: undefined }
    const guard = oauth2()
    await expectRefusal(guard.verify(requestLike({ token: await mint(idTokenClaims, { header: { typ: 'JWT' } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    await expectRefusal(guard.verify(requestLike({ token: await mint(idTokenClaims, { header: { typ: undefined } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    // Even where plain JWTs are let in (oauth2 opt-in), the audience keeps the ID Token out.
    const plain = oauth2({ tokenTypes: ['at+jwt', 'jwt'] })
    await expectRefusal(plain.verify(requestLike({ token: await mint(idTokenClaims, { header: { typ: 'JWT' } }) })), invalidToken('ERR_JWT_AUDIENCE_INVALID'))
  })

  it('JWTAT-13 a token is not accepted before nbf (beyond the leeway)', async () => {
    const guard = oauth2({ clockTolerance: 60 })
    await expectRefusal(guard.verify(requestLike({ token: await mint({ nbf: NOW + 120 }) })), invalidToken('ERR_JWT_NOT_YET_VALID'))
    await guard.verify(requestLike({ token: await mint({ nbf: NOW + 30 }) }))
    await guard.verify(requestLike({ token: await mint({ nbf: NOW - 30 }) }))
  })

  it('JOSE-05 header and claims must be UTF-8 JSON: UTF-16 encodings are refused', async () => {
    const guard = oauth2()
    const signer = issuerSigner(key('ES256'))
    const utf16 = (text: string, bom: boolean) => new Uint8Array(Buffer.from(`${bom ? '\ufeff' : ''}${text}`, 'utf16le'))
    const claimsJSON = JSON.stringify(claims())
    await guard.verify(requestLike({ token: await craftJWS(header('ES256'), claimsJSON, signer) }))
    for (const bom of [true, false]) {
      await expectRefusal(guard.verify(requestLike({ token: await craftJWS(header('ES256'), utf16(claimsJSON, bom), signer) })), invalidToken('ERR_TOKEN_MALFORMED'))
      await expectRefusal(guard.verify(requestLike({ token: await craftJWS(utf16(JSON.stringify(header('ES256')), bom), claimsJSON, signer) })), invalidToken('ERR_TOKEN_MALFORMED'))
    }
    const bomUTF8 = new Uint8Array(Buffer.from(`\ufeff${claimsJSON}`, 'utf8'))
    await expectRefusal(guard.verify(requestLike({ token: await craftJWS(header('ES256'), bomUTF8, signer) })), invalidToken('ERR_TOKEN_MALFORMED'))
  })

  it('JOSE-06 keys are chosen by the configured issuer: a token with iss AS1 signed by AS2 is refused', async () => {
    const second = await createLocalIssuer({ audience: RS })
    try {
      const recorder = recordingFetch()
      const guard = createGuard({
        issuer: [
          { issuer: local.issuer, jwksUri: local.jwksUri },
          { issuer: second.issuer, jwksUri: second.jwksUri },
        ],
        audience: RS,
        profile: 'oauth2',
        clock: new TestClock().now,
        fetch: recorder.fetch,
      })
      expect((await guard.verify(requestLike({ token: await second.mint({}, { now: NOW }) }))).issuer).toBe(second.issuer)
      expect((await guard.verify(requestLike({ token: await mint() }))).issuer).toBe(local.issuer)
      const before = recorder.count(second.issuer)
      const withKid = await second.mint({ iss: local.issuer }, { now: NOW })
      await expectRefusal(guard.verify(requestLike({ token: withKid })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
      const withoutKid = await second.mint({ iss: local.issuer }, { now: NOW, header: { kid: undefined } })
      await expectRefusal(guard.verify(requestLike({ token: withoutKid })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))
      expect(recorder.count(second.issuer)).toBe(before)
    } finally {
      await second.close()
    }
  })

  it('JOSE-07 aud naming another resource server is refused', async () => {
    await expectRefusal(oauth2().verify(requestLike({ token: await mint({ aud: 'https://other-rs.example.com/' }) })), invalidToken('ERR_JWT_AUDIENCE_INVALID'))
    await expectRefusal(oauth2().verify(requestLike({ token: await mint({ aud: ['https://other-rs.example.com/', 'https://third.example/'] }) })), invalidToken('ERR_JWT_AUDIENCE_INVALID'))
  })

  it('JOSE-08 kid is an opaque string (no lookup side effects); jku to a metadata address is never fetched', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    for (const kid of ['../../etc/passwd', "' OR 1=1 --", '$(rm -rf /)', `${key('ES256').kid}\u0000`]) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({}, { header: { kid } }) })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    }
    const probe = await mint({}, { header: { kid: 'unknown', jku: 'http://169.254.169.254/latest/meta-data/', x5u: 'http://169.254.169.254/x5u' } })
    await expectRefusal(guard.verify(requestLike({ token: probe })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    expect(recorder.countHost('169.254.169.254')).toBe(0)
    expect(new Set(recorder.urls)).toEqual(new Set([local.jwksUri]))
  })

  it('JOSE-09 explicit typing: a token without typ is refused unless plain JWTs were opted into (oauth2)', async () => {
    await expectRefusal(oauth2().verify(requestLike({ token: await mint({}, { header: { typ: undefined } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    const optIn = oauth2({ tokenTypes: ['at+jwt', 'jwt'] })
    await optIn.verify(requestLike({ token: await mint({}, { header: { typ: undefined } }) }))
    await optIn.verify(requestLike({ token: await mint({}, { header: { typ: 'JWT' } }) }))
    await expectRefusal(optIn.verify(requestLike({ token: await mint({}, { header: { typ: 'dpop+jwt' } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
  })

  it('JOSE-10 other kinds of JWT from the same issuer are refused as access tokens', async () => {
    const guard = oauth2()
    for (const typ of ['dpop+jwt', 'token-introspection+jwt', 'application/token-introspection+jwt', 'logout+jwt', 'secevent+jwt']) {
      await expectRefusal(guard.verify(requestLike({ token: await mint({}, { header: { typ } }) })), invalidToken('ERR_JWT_TYP_INVALID'))
    }
  })

  it('JOSE-11 crit makes the JWS invalid: unknown extension, empty list, registered names', async () => {
    const guard = oauth2()
    const signer = issuerSigner(key('ES256'))
    await guard.verify(requestLike({ token: await craftJWS(header('ES256'), claims(), signer) }))
    for (const extra of [{ crit: ['x-ext'], 'x-ext': 1 }, { crit: [] }, { crit: ['exp'] }, { crit: ['b64'], b64: true }, { crit: 'x-ext' }, { crit: null }]) {
      await expectRefusal(guard.verify(requestLike({ token: await craftJWS(header('ES256', extra), claims(), signer) })), invalidToken('ERR_JWT_CRIT_UNSUPPORTED'))
    }
  })

})

/** Algorithms and signatures: crypto under test, so on both entries (node:crypto and Web Crypto). */
describe.each(backends)('RFC 9068 algorithms and signatures ($name)', ({ createGuard }) => {
  const { oauth2, fapi2, boundRequest } = guards(createGuard)
  it('JWTAT-05 alg none is refused, a flipped signature bit is refused, header keys (jku/x5u/jwk) are never used or fetched', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ fetch: recorder.fetch })
    const good = await mint()
    await guard.verify(requestLike({ token: good }))
    const none = `${b64u(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${good.split('.')[1]}.`
    await expectRefusal(guard.verify(requestLike({ token: none })), invalidToken('ERR_TOKEN_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ token: `${none}AAAA` })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(requestLike({ token: flipSignatureBit(good) })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))

    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' })
    const forged = await craftJWS(
      { alg: 'ES256', typ: 'at+jwt', jku: 'https://attacker.example/jwks', x5u: 'https://attacker.example/cert.pem', jwk: attackerJwk },
      claims(),
      nodeSigner('sha256', attacker.privateKey),
    )
    // No kid: the issuer's one ES256 key is tried, never the header's key.
    await expectRefusal(guard.verify(requestLike({ token: forged })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))
    const forgedWithKid = await craftJWS(
      { alg: 'ES256', typ: 'at+jwt', kid: key('ES256').kid, jku: 'https://attacker.example/jwks', jwk: attackerJwk },
      claims(),
      nodeSigner('sha256', attacker.privateKey),
    )
    await expectRefusal(guard.verify(requestLike({ token: forgedWithKid })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))
    expect(recorder.countHost('attacker.example')).toBe(0)
    expect(recorder.urls.every((url) => url === local.jwksUri)).toBe(true)
  })

  it('JWTAT-11 RS256 verifies under oauth2 and is refused under fapi2', async () => {
    const rs256 = await mint({ cnf: { 'x5t#S256': cert.thumbprint } }, { kid: key('RS256').kid })
    await oauth2({ mtls: {} }).verify(requestLike({ token: rs256, clientCertificate: cert.der }))
    await expectRefusal(fapi2().verify(requestLike({ token: rs256, clientCertificate: cert.der })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await fapi2().verify(await boundRequest({}, { kid: key('PS256').kid }))
  })

  it('JWTAT-15 the RFC 9068 §3 example claims, re-signed with a test key, verify with the clock frozen', async () => {
    const example = {
      iss: 'https://authorization-server.example.com/',
      sub: '5ba552d67',
      aud: 'https://rs.example.com/',
      exp: 1639528912,
      iat: 1618354090,
      jti: 'dbe39bf3a3ba4238a513f51d6e1691c4',
      client_id: 's6BhdRkqt3',
      scope: 'openid profile reademail',
    }
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'RjEwOwOA' }] }
    const token = await new SignJWT(example).setProtectedHeader({ typ: 'at+JWT', alg: 'RS256', kid: 'RjEwOwOA' }).sign(privateKey)
    const options: GuardOptions = { issuer: { issuer: example.iss, jwks }, audience: 'https://rs.example.com/', profile: 'oauth2' }
    const auth = await createGuard({ ...options, clock: new TestClock(example.exp - 60).now }).verify(requestLike({ token: token }), { scopes: ['reademail'] })
    expect(auth).toMatchObject({
      issuer: 'https://authorization-server.example.com/',
      subject: '5ba552d67',
      clientId: 's6BhdRkqt3',
      scopes: ['openid', 'profile', 'reademail'],
      source: 'jwt',
      token,
    })
    expect(auth.claims).toEqual(example)
    await expectRefusal(createGuard({ ...options, clock: new TestClock(example.exp + 60).now }).verify(requestLike({ token: token })), invalidToken('ERR_JWT_EXPIRED'))
    // Its real lifetime (245 days) is far beyond the default maximum, seen from the issue time.
    await expectRefusal(createGuard({ ...options, clock: new TestClock(example.iat).now }).verify(requestLike({ token: token })), invalidToken('ERR_JWT_LIFETIME_TOO_LONG'))
  })

  it('JOSE-01 only the configured algorithms are used; HS256 keyed with the RSA public key is refused', async () => {
    const guard = oauth2({ algorithms: ['ES256'] })
    await guard.verify(requestLike({ token: await mint() }))
    await expectRefusal(guard.verify(requestLike({ token: await mint({}, { kid: key('PS256').kid }) })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    const rsa = createPublicKey({ key: key('RS256').publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    const secrets = [
      rsa.export({ type: 'spki', format: 'pem' }) as string,
      rsa.export({ type: 'pkcs1', format: 'pem' }) as string,
      new Uint8Array(Buffer.from(key('RS256').publicJwk.n as string, 'base64url')),
      JSON.stringify(key('RS256').publicJwk),
    ]
    const everything = oauth2()
    for (const secret of secrets) {
      const token = await craftJWS({ alg: 'HS256', typ: 'at+jwt', kid: key('RS256').kid }, claims(), hmacSigner(secret))
      await expectRefusal(everything.verify(requestLike({ token: token })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    }
  })

  it('JOSE-02 a key is used with exactly its algorithm: PS256 key with RS256 header, P-256 key with ES384 header', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwks = {
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa', alg: 'PS256', use: 'sig' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec' },
      ],
    }
    const guard = createGuard({ issuer: { issuer: AS, jwks }, audience: RS, profile: 'oauth2', clock: new TestClock().now })
    const body = claims({ iss: AS })
    await guard.verify(requestLike({ token: await craftJWS({ alg: 'PS256', typ: 'at+jwt', kid: 'rsa' }, body, nodeSigner('sha256', rsa.privateKey, { pss: 32 })) }))
    await guard.verify(requestLike({ token: await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'ec' }, body, nodeSigner('sha256', ec.privateKey)) }))
    const rs256 = await craftJWS({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa' }, body, nodeSigner('sha256', rsa.privateKey))
    await expectRefusal(guard.verify(requestLike({ token: rs256 })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    const es384 = await craftJWS({ alg: 'ES384', typ: 'at+jwt', kid: 'ec' }, body, nodeSigner('sha384', ec.privateKey))
    await expectRefusal(guard.verify(requestLike({ token: es384 })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
  })

  it('JOSE-03 alg none is refused in every profile', async () => {
    for (const profile of ['fapi2', 'fapi1-advanced', 'oauth2'] as const) {
      const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile, clock: new TestClock().now })
      for (const alg of ['none', 'None', 'NONE']) {
        const token = `${b64u(JSON.stringify({ alg, typ: 'at+jwt' }))}.${b64u(JSON.stringify(claims()))}.c2ln`
        await expectRefusal(guard.verify(requestLike({ token: token, clientCertificate: cert.der })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
      }
    }
  })

  it('JOSE-12 fapi2 algorithms: PS256 (2048), ES256, EdDSA/Ed25519 only; RS256, ES384, RSA-1024, Ed448 refused', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const ed448 = generateKeyPairSync('ed448')
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const jwks = {
      keys: [
        ...local.keys.map((item) => item.publicJwk),
        { ...ed448.publicKey.export({ format: 'jwk' }), kid: 'ed448' },
        { ...p384.publicKey.export({ format: 'jwk' }), kid: 'p384' },
      ],
    }
    const guard = createGuard({ issuer: { issuer: local.issuer, jwks }, audience: RS, clock: new TestClock().now })
    const body = claims({ cnf: { 'x5t#S256': cert.thumbprint } })
    const send = (token: string) => guard.verify(requestLike({ token: token, clientCertificate: cert.der }))
    for (const alg of ['PS256', 'ES256', 'EdDSA'] as const) {
      expect((await send(await craftJWS(header(alg), body, issuerSigner(key(alg))))).binding.mtls).toEqual({ x5tS256: cert.thumbprint })
    }
    await expectRefusal(send(await craftJWS(header('RS256'), body, issuerSigner(key('RS256')))), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(send(await craftJWS({ alg: 'ES384', typ: 'at+jwt', kid: 'p384' }, body, nodeSigner('sha384', p384.privateKey))), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    // An RSA-1024 key given inline is refused at createGuard; from a jwks_uri, when a token names it (test/keys/check-key-strength.test.ts).
    const weakJwks = { keys: [{ ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak' }] }
    expect(() => createGuard({ issuer: { issuer: local.issuer, jwks: weakJwks }, audience: RS, clock: new TestClock().now })).toThrow(/shorter than 2048 bits/)
    await expectRefusal(send(await craftJWS({ alg: 'EdDSA', typ: 'at+jwt', kid: 'ed448' }, body, nodeSigner(null, ed448.privateKey))), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
  })

  it('JOSE-13 fapi1-advanced allows PS256 and ES256 only, on certificate-bound tokens', async () => {
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'fapi1-advanced', clock: new TestClock().now })
    await guard.verify(await boundRequest({}, { kid: key('PS256').kid }))
    await guard.verify(await boundRequest({}, { kid: key('ES256').kid }))
    await expectRefusal(guard.verify(await boundRequest({}, { kid: key('EdDSA').kid })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(await boundRequest({}, { kid: key('RS256').kid })), invalidToken('ERR_JWT_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(requestLike({ token: await mint() })), invalidToken('ERR_TOKEN_NOT_SENDER_CONSTRAINED'))
  })
})
