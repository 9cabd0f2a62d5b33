/**
 * Adversarial catalogue, group B (reference/attacks.md): transport and HTTP headers, at the core.
 * Not here: B07, B08 (DPoP header handling, in the DPoP suite), B10 (adapter parity), B12 (CORS);
 * the form-body halves of B04/B05 (no body method exists).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import type { GuardError, GuardOptions } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { challengeParam } from '../support/challenge.js'
import { flipSignatureBit } from '../support/jws.js'
import { NOW, API, TestClock, requestLike, refusal, expectRefusal, invalidRequest, NO_CREDENTIALS } from '../support/kit.js'

const RS = 'https://rs.example.com/'
const ALGS = 'PS256 ES256 EdDSA Ed25519'

let local: LocalIssuer
let cert: TestCertificate
let bound: string
/** Request extras presenting the client certificate the tokens are bound to. */
let withCert: { clientCertificate: Uint8Array }

beforeAll(async () => {
  local = await createLocalIssuer({ audience: RS })
  cert = createTestCertificate('client-b')
  bound = await local.mint({ cnf: { 'x5t#S256': cert.thumbprint } }, { now: NOW })
  withCert = { clientCertificate: cert.der }
})
afterAll(() => local.close())

describe('attacks, group B: transport and headers', () => {
  /** The default (fapi2) guard. */
  function fapi2(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now, ...extra })
  }

  it('B01 no credentials: 401, Bearer and DPoP challenges, no error parameter', async () => {
    const error = await expectRefusal(fapi2().verify(requestLike({ authorization: undefined })), { ...NO_CREDENTIALS, challenge: `Bearer realm="api", DPoP algs="${ALGS}"` })
    expect(error.headers['www-authenticate']).not.toMatch(/error/)
    expect(Object.keys(error.headers)).toEqual(['www-authenticate'])
    await expectRefusal(fapi2({ profile: 'oauth2', dpop: { algorithms: ['ES256', 'PS256'] } }).verify(requestLike({ authorization: undefined })), { ...NO_CREDENTIALS, challenge: 'Bearer realm="api", DPoP algs="ES256 PS256"' })
    await expectRefusal(fapi2({ dpop: { required: true } }).verify(requestLike({ authorization: undefined })), { ...NO_CREDENTIALS, challenge: `DPoP algs="${ALGS}"` })
    await expectRefusal(fapi2({ profile: 'oauth2', dpop: false }).verify(new Request(API)), { ...NO_CREDENTIALS, challenge: 'Bearer realm="api"' })
  })

  it('B02 the scheme is case-insensitive: bearer, BEARER, dpop, DPOP, dPoP are accepted', async () => {
    const guard = fapi2()
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEARER']) {
      expect((await guard.verify(requestLike({ authorization: `${scheme} ${bound}`, ...withCert }))).binding.mtls).toEqual({ x5tS256: cert.thumbprint })
    }
    const key = await createDPoPKey('ES256')
    const dpopBound = await local.mint({ cnf: { jkt: key.thumbprint } }, { now: NOW })
    for (const scheme of ['dpop', 'DPOP', 'dPoP']) {
      const proof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: dpopBound, iat: NOW })
      expect((await guard.verify(requestLike({ authorization: `${scheme} ${dpopBound}`, headers: { dpop: proof } }))).binding.dpop).toEqual({ jkt: key.thumbprint })
    }
  })

  it('B03 an empty Bearer token, or one with characters outside token68, is 400 invalid_request', async () => {
    const guard = fapi2()
    await expectRefusal(guard.verify(requestLike({ authorization: 'Bearer ' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED', `Bearer realm="api", error="invalid_request", error_description="the Bearer credentials carry no token", DPoP algs="${ALGS}"`))
    await expectRefusal(guard.verify(requestLike({ authorization: 'Bearer an"invalid"token' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED', `Bearer realm="api", error="invalid_request", error_description="the Bearer token is not token68 syntax", DPoP algs="${ALGS}"`))
  })

  it('B04 a token in the header and in the query is 400 "more than one method", however the parameter is written', async () => {
    const guard = fapi2()
    for (const query of [`?access_token=${bound}`, '?a=1&access_token=', '?x=y&access_token=other', '?%61ccess_token=x', '?access%5Ftoken=x']) {
      await expectRefusal(guard.verify(requestLike({ token: bound, ...withCert, url: `${API}${query}` })), invalidRequest('ERR_MULTIPLE_TOKEN_METHODS'))
    }
    // Not the parameter: path segments, other names, the fragment.
    for (const url of [`${API}/access_token?x=1`, `${API}?my_access_token=1`, `${API}?x=access_token`, `${API}?x=1#access_token=y`]) {
      await guard.verify(requestLike({ token: bound, ...withCert, url }))
    }
  })

  it('B05 a token only in the query string is not resolved: 401 without error', async () => {
    const error = await expectRefusal(fapi2().verify(requestLike({ authorization: undefined, ...withCert, url: `${API}?access_token=${bound}` })), { ...NO_CREDENTIALS, challenge: `Bearer realm="api", DPoP algs="${ALGS}"` })
    expect(error.toJSON()).not.toHaveProperty('error_description')
  })

  it('B06 two Authorization headers (Bearer X + DPoP X) are 400 invalid_request, kept apart or joined', async () => {
    const guard = fapi2()
    const description = 'the request has more than one Authorization header'
    await expectRefusal(guard.verify(requestLike({ authorization: [`Bearer ${bound}`, `DPoP ${bound}`], ...withCert })), invalidRequest(
        'ERR_AUTHORIZATION_DUPLICATED',
        `Bearer realm="api", error="invalid_request", error_description="${description}", DPoP error="invalid_request", error_description="${description}", algs="${ALGS}"`,
      ))
    const joined = new Headers()
    joined.append('authorization', `Bearer ${bound}`)
    joined.append('authorization', `DPoP ${bound}`)
    // Fetch Headers join the two into "Bearer X, DPoP X": still recognised as two headers, with the same answer.
    const sameAnswer = invalidRequest(
      'ERR_AUTHORIZATION_DUPLICATED',
      `Bearer realm="api", error="invalid_request", error_description="${description}", DPoP error="invalid_request", error_description="${description}", algs="${ALGS}"`,
    )
    await expectRefusal(guard.verify({ method: 'GET', url: API, headers: joined, clientCertificate: cert.der }), sameAnswer)
    await expectRefusal(guard.verify(new Request(API, { headers: joined })), sameAnswer)
    await expectRefusal(guard.verify(requestLike({ authorization: undefined, ...withCert, headers: { Authorization: `Bearer ${bound}`, authorization: `Bearer ${bound}` } })), invalidRequest('ERR_AUTHORIZATION_DUPLICATED'))
  })

  it('B09 token values with spaces, commas, quotes or non-ASCII are 400 invalid_request', async () => {
    const guard = fapi2()
    for (const value of [`${bound} extra`, `${bound},${bound}`, `"${bound}"`, `${bound};`, `tök.en.x`, `${bound}\u0000`, `a=b`]) {
      await expectRefusal(guard.verify(requestLike({ authorization: `Bearer ${value}`, ...withCert })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    }
  })

  it('B11 refusals carry no token, stack trace or internal error text: only { error, error_description }', async () => {
    const guard = fapi2()
    const [header, payload, signature] = bound.split('.') as [string, string, string]
    const broken = createGuard({ issuer: { issuer: local.issuer, jwks: { keys: local.keys.map((key) => key.publicJwk) } }, audience: RS, clock: clockBrokenAfterStart() })
    const refusals: GuardError[] = [
      await refusal(guard.verify(requestLike({ token: flipSignatureBit(bound), ...withCert }))),
      await refusal(guard.verify(requestLike({ token: bound }))),
      await refusal(guard.verify(requestLike({ token: bound, clientCertificate: createTestCertificate('intruder').der }))),
      await refusal(guard.verify(requestLike({ token: bound, ...withCert }), { scopes: ['payments:write'] })),
      await refusal(guard.verify(requestLike({ authorization: `Bearer ${bound} ${bound}` }))),
      await refusal(guard.verify(requestLike({ token: `${header}.${payload}` }))),
      await refusal(broken.verify(requestLike({ token: bound, ...withCert }))),
    ]
    expect(refusals.map((error) => error.code)).toEqual([
      'ERR_JWT_SIGNATURE_INVALID',
      'ERR_MTLS_CERTIFICATE_MISSING',
      'ERR_MTLS_CERTIFICATE_MISMATCH',
      'ERR_INSUFFICIENT_SCOPE',
      'ERR_AUTHORIZATION_MALFORMED',
      'ERR_TOKEN_MALFORMED',
      'ERR_INTERNAL',
    ])
    expect(refusals[6]?.description).toBe('the request could not be checked')
    for (const error of refusals) {
      const body = error.toJSON()
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description'])
      const visible = JSON.stringify([body, error.headers, error.description])
      for (const secret of [header, payload, signature, cert.thumbprint]) expect(visible, error.code).not.toContain(secret)
      expect(visible).not.toMatch(/\bat \S+ \(|node_modules|TypeError|JOSE|option "clock"/)
      // A fault of the server (500) carries no challenge: there is nothing the client could send instead.
      if (error.status === 500) expect(error.headers['www-authenticate']).toBeUndefined()
      else expect(challengeParam(error.headers['www-authenticate'] as string, 'Bearer', 'error')).toBe(body.error)
    }
    const hidden = fapi2({ errorDescriptions: false })
    const quiet = await refusal(hidden.verify(requestLike({ token: bound })))
    expect(quiet.toJSON()).toEqual({ error: 'invalid_token' })
    expect(quiet.headers['www-authenticate']).toBe(`Bearer realm="api", error="invalid_token", DPoP algs="${ALGS}"`)
  })
})

/** A clock that reads well when the guard is created (its option check) and returns NaN from then on. */
function clockBrokenAfterStart(): () => number {
  let calls = 0
  return () => (calls++ === 0 ? Date.now() : Number.NaN)
}
