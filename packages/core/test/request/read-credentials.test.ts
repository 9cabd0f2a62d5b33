/**
 * RFC 6750 §2 / FAPI 2.0 §5.3.4 token location (standards.md §1, BEARER-*): credentials come from one
 * `Authorization` header, scheme compared case-insensitively, token68 syntax; never from the query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import type { GuardOptions } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { NOW, API, TestClock, requestLike, expectRefusal, invalidRequest, NO_CREDENTIALS } from '../support/kit.js'

const RS = 'https://rs.example.com/'

let local: LocalIssuer
let cert: TestCertificate
let token: string

beforeAll(async () => {
  local = await createLocalIssuer({ audience: RS })
  cert = createTestCertificate('client-bearer')
  token = await local.mint({}, { now: NOW })
})
afterAll(() => local.close())

describe('reading credentials', () => {
  function oauth2(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', clock: new TestClock().now, dpop: false, ...extra })
  }

  it('BEARER-01 Authorization: Bearer <valid token> is accepted (record headers, Fetch Headers, a Fetch Request)', async () => {
    const guard = oauth2()
    expect((await guard.verify(requestLike({ token: token }))).token).toBe(token)
    expect((await guard.verify({ method: 'GET', url: API, headers: new Headers({ Authorization: `Bearer ${token}` }) })).token).toBe(token)
    expect((await guard.verify(new Request(API, { headers: { authorization: `Bearer ${token}` } }))).token).toBe(token)
    expect((await guard.verify(requestLike({ authorization: undefined, headers: { AUTHORIZATION: `Bearer ${token}` } }))).token).toBe(token)
  })

  it('BEARER-02 credentials syntax: "Bearer" 1*SP token68, scheme case-insensitive', async () => {
    const guard = oauth2()
    await expectRefusal(guard.verify(requestLike({ authorization: 'Bearer' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED', 'Bearer realm="api", error="invalid_request", error_description="the Bearer credentials carry no token"'))
    await expectRefusal(guard.verify(requestLike({ authorization: 'Bearer ' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ authorization: 'Bearer a b' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED', 'Bearer realm="api", error="invalid_request", error_description="the Bearer token is not token68 syntax"'))
    await expectRefusal(guard.verify(requestLike({ authorization: 'Bearer a,b' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ authorization: `Bearer ${token}=x` })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ authorization: `Bearer\t${token}` })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    await expectRefusal(guard.verify(requestLike({ authorization: `Bearer: ${token}` })), invalidRequest('ERR_AUTHORIZATION_MALFORMED'))
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) await guard.verify(requestLike({ authorization: `${scheme} ${token}` }))
    await guard.verify(requestLike({ authorization: `Bearer   ${token}` }))
  })

  it('BEARER-03 more than one Authorization header is 400 invalid_request (kept apart, or joined by Fetch Headers)', async () => {
    const guard = oauth2()
    await expectRefusal(guard.verify(requestLike({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })), invalidRequest('ERR_AUTHORIZATION_DUPLICATED'))
    await expectRefusal(guard.verify(requestLike({ authorization: undefined, headers: { authorization: `Bearer ${token}`, Authorization: `Bearer ${token}` } })), invalidRequest('ERR_AUTHORIZATION_DUPLICATED'))
    const joined = new Headers()
    joined.append('authorization', `Bearer ${token}`)
    joined.append('authorization', `Bearer ${token}`)
    await expectRefusal(guard.verify({ method: 'GET', url: API, headers: joined }), invalidRequest('ERR_AUTHORIZATION_DUPLICATED'))
  })

  it('BEARER-06 a query access_token is never accepted: alone it is no credentials, beside the header it is 400', async () => {
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now })
    const bound = await local.mint({ cnf: { 'x5t#S256': cert.thumbprint } }, { now: NOW })
    const queryOnly = await expectRefusal(guard.verify(requestLike({ authorization: undefined, url: `${API}?access_token=${bound}`, clientCertificate: cert.der })), NO_CREDENTIALS)
    expect(queryOnly.headers['www-authenticate']).toBe('Bearer realm="api", DPoP algs="PS256 ES256 EdDSA Ed25519"')
    const both = await expectRefusal(guard.verify(requestLike({ token: bound, url: `${API}?access_token=${bound}`, clientCertificate: cert.der })), invalidRequest('ERR_MULTIPLE_TOKEN_METHODS'))
    expect(both.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="the access token was sent both in the header and in the query", DPoP algs="PS256 ES256 EdDSA Ed25519"',
    )
    await guard.verify(requestLike({ token: bound, clientCertificate: cert.der }))
  })

  it('BEARER-07 the FAPI resource server takes the token from the Authorization header: Bearer (mTLS-bound) and DPoP', async () => {
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now })
    const mtlsBound = await local.mint({ cnf: { 'x5t#S256': cert.thumbprint } }, { now: NOW })
    expect((await guard.verify(requestLike({ token: mtlsBound, clientCertificate: cert.der }))).binding).toEqual({ mtls: { x5tS256: cert.thumbprint } })
    const key = await createDPoPKey('ES256')
    const dpopBound = await local.mint({ cnf: { jkt: key.thumbprint } }, { now: NOW })
    const proof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: dpopBound, iat: NOW })
    const auth = await guard.verify(requestLike({ authorization: `DPoP ${dpopBound}`, headers: { dpop: proof } }))
    expect(auth.binding).toEqual({ dpop: { jkt: key.thumbprint } })
  })
})
