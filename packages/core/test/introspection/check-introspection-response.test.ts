/**
 * What an introspection answer must be for the token to pass (RFC 7662 §2.2, RFC 9700 §2.3), and the
 * bindings it carries (RFC 9449 §6.2, RFC 8705 §3.2) enforced exactly as for JWTs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createTestCertificate, type DPoPKey, type TestCertificate } from '@fapi-guard/testing'
import { createGuard } from '../../src/node/index.js'
import {
  active,
  AUDIENCE,
  CLIENT_ID,
  CLIENT_SECRET,
  guardOptions,
  ISSUER,
  readReference,
  readVectors,
  startAS,
  type StubAS,
} from './introspection-kit.js'
import { b64u } from '../support/jws.js'
import { NOW, API, TestClock, requestLike, refusal, expectRefusal, invalidToken, INVALID_TOKEN_CHALLENGE } from '../support/kit.js'

const vectors = readVectors()
const FIXTURE_PEM = readReference(vectors.rfc8705_mtls.local_fixture.cert_pem_file)
const FIXTURE_THUMBPRINT = vectors.rfc8705_mtls.local_fixture['x5t#S256']

let as: StubAS
let dpopKey: DPoPKey
let otherKey: DPoPKey
let certificate: TestCertificate
let otherCertificate: TestCertificate
beforeAll(async () => {
  as = await startAS()
  dpopKey = await createDPoPKey('ES256')
  otherKey = await createDPoPKey('ES256')
  certificate = createTestCertificate('bound-client')
  otherCertificate = createTestCertificate('other-client')
})
afterAll(() => as.close())
afterEach(() => {
  as.handler = undefined
  as.requests.length = 0
  as.answers.clear()
})

describe('introspection answers', () => {
  /** A guard (oauth2 unless `extra` says otherwise, no cache) and an answer for `token`. */
  function setup(token: string, answer: Record<string, unknown>, extra: Parameters<typeof guardOptions>[3] = {}, clock = new TestClock()) {
    as.answers.set(token, answer)
    return createGuard(guardOptions(as, clock, { cache: false }, extra))
  }

  it('an active answer is accepted: the AuthContext carries its members, source "introspection"', async () => {
    const clock = new TestClock()
    const answer = active(clock, { scope: 'accounts:read accounts:write', username: 'jdoe', extension_field: 'twenty-seven' })
    const guard = setup('opaque-ok', answer, {}, clock)
    const auth = await guard.verify(requestLike({ token: 'opaque-ok' }), { scopes: ['accounts:read'] })
    expect(auth).toEqual({
      token: 'opaque-ok',
      claims: answer,
      source: 'introspection',
      issuer: ISSUER,
      subject: 'user-1',
      clientId: 'client-1',
      scopes: ['accounts:read', 'accounts:write'],
      binding: {},
      responseHeaders: {},
    })
  })

  it('E01 {"active":false} → 401 invalid_token in the Bearer challenge', async () => {
    const guard = setup('opaque-off', { active: false })
    const error = await expectRefusal(guard.verify(requestLike({ token: 'opaque-off' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    expect(error.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+"/)
    // Unknown to the AS: the same answer.
    await expectRefusal(guard.verify(requestLike({ token: 'never-issued' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
  })

  it('INTRO-04 the RFC 7662 inactive example, and an inactive token sent with the DPoP scheme → 401 invalid_token in the DPoP challenge', async () => {
    const clock = new TestClock()
    const guard = setup('opaque-off', vectors.rfc7662_examples.inactive_response, {}, clock)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-off' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    const proof = await createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: 'opaque-off', iat: clock.seconds })
    const error = await expectRefusal(guard.verify(requestLike({ token: 'opaque-off', scheme: 'DPoP', proof })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    expect(error.headers['www-authenticate']).toMatch(/DPoP error="invalid_token"/)
    // More members beside "active": false (which the AS SHOULD NOT add) change nothing.
    as.answers.set('opaque-off', { ...active(clock), active: false })
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-off' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
  })

  it('E02 an answer without "active" ({}, or every other member but "active") → 401 invalid_token', async () => {
    const clock = new TestClock()
    const { active: _dropped, ...noActive } = active(clock)
    for (const answer of [{}, noActive, { ...noActive, active: undefined }]) {
      const guard = setup('opaque-e02', answer, {}, clock)
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-e02' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('E13 strict types: active "true" or 1 → 401; exp in milliseconds → 401', async () => {
    const clock = new TestClock()
    for (const value of ['true', 1, 'TRUE']) {
      const guard = setup('opaque-e13', active(clock, { active: value }), {}, clock)
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-e13' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    }
    const guard = setup('opaque-e13', active(clock, { exp: (clock.seconds + 300) * 1000 }), {}, clock)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-e13' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
  })

  it('INTRO-03 "active" must be the boolean true (null, [true], {}, "yes", false all mean inactive)', async () => {
    const clock = new TestClock()
    for (const value of [null, [true], {}, 'yes', false, 0]) {
      const guard = setup('opaque-i03', active(clock, { active: value }), {}, clock)
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-i03' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('expired (beyond clockTolerance) → 401; inside the tolerance → accepted', async () => {
    const clock = new TestClock()
    const guard = setup('opaque-exp', active(clock, { exp: NOW - 6 }), {}, clock)
    const error = await expectRefusal(guard.verify(requestLike({ token: 'opaque-exp' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    expect(error.description).toContain('expired')
    as.answers.set('opaque-exp', active(clock, { exp: NOW - 4 }))
    expect((await guard.verify(requestLike({ token: 'opaque-exp' }))).source).toBe('introspection')
  })

  it('"exp" missing, or not a finite number → 401', async () => {
    const clock = new TestClock()
    for (const exp of [undefined, String(NOW + 300), null, [NOW + 300]]) {
      const answer = active(clock, { exp })
      if (exp === undefined) delete answer.exp
      const guard = setup('opaque-noexp', answer, {}, clock)
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-noexp' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('"exp" further ahead than maxTokenLifetime → 401; "nbf" in the future → 401', async () => {
    const clock = new TestClock()
    const guard = setup('opaque-far', active(clock, { exp: NOW + 86_400 + 60 }), {}, clock)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-far' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    as.answers.set('opaque-far', active(clock, { nbf: NOW + 60 }))
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-far' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    as.answers.set('opaque-far', active(clock, { nbf: 'soon' }))
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-far' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
  })

  // The time and audience checks are the JWT path's (checkTimeClaims, audienceMatches): an answer is held to what a JWT is.
  it.each([
    ['"iat" in the future', { iat: NOW + 60 }, 'the introspection "iat" is in the future'],
    ['"iat" not a number', { iat: String(NOW) }, 'the introspection "iat" is not a number'],
    ['"nbf" not a number', { nbf: 'soon' }, 'the introspection "nbf" is not a number'],
    ['"aud" with a member that is not a string beside ours', { aud: [7, AUDIENCE] }, 'the introspection "aud" does not name this resource server'],
  ])('%s → 401, as for a JWT', async (_name, members, description) => {
    const clock = new TestClock()
    const error = await expectRefusal(setup('opaque-shared', active(clock, members), {}, clock).verify(requestLike({ token: 'opaque-shared' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    expect(error.description).toBe(description)
  })

  it('"iat" inside the clock tolerance, or absent, is accepted', async () => {
    const clock = new TestClock()
    for (const iat of [NOW + 4, undefined]) {
      const answer = active(clock, { iat })
      if (iat === undefined) delete answer.iat
      expect((await setup('opaque-iat', answer, {}, clock).verify(requestLike({ token: 'opaque-iat' }))).source).toBe('introspection')
    }
  })

  it('a foreign "iss" → 401 (exact comparison); "iss" omitted → accepted', async () => {
    const clock = new TestClock()
    for (const iss of ['https://evil.example.test', `${ISSUER}/`, ISSUER.toUpperCase(), 42]) {
      const guard = setup('opaque-iss', active(clock, { iss }), {}, clock)
      const error = await expectRefusal(guard.verify(requestLike({ token: 'opaque-iss' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
      expect(error.description).toContain('"iss"')
    }
    const { iss: _iss, ...withoutIss } = active(clock)
    expect((await setup('opaque-iss', withoutIss, {}, clock).verify(requestLike({ token: 'opaque-iss' }))).issuer).toBe(ISSUER)
  })

  it('INTRO-08 active:true still needs our audience (a foreign "aud" → 401) and the route scopes (→ 403)', async () => {
    const clock = new TestClock()
    for (const aud of ['https://other.example', ['https://other.example'], [], 7, [7]]) {
      const guard = setup('opaque-aud', active(clock, { aud }), {}, clock)
      const error = await expectRefusal(guard.verify(requestLike({ token: 'opaque-aud' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
      expect(error.description).toContain('"aud"')
    }
    for (const aud of [AUDIENCE, ['https://other.example', AUDIENCE]]) {
      expect((await setup('opaque-aud', active(clock, { aud }), {}, clock).verify(requestLike({ token: 'opaque-aud' }))).source).toBe('introspection')
    }
    const guard = setup('opaque-scope', active(clock, { aud: AUDIENCE, scope: 'read' }), {}, clock)
    const error = await expectRefusal(guard.verify(requestLike({ token: 'opaque-scope' }), { scopes: ['write'] }), { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' })
    expect(error.headers['www-authenticate']).toContain('scope="write"')
    expect((await guard.verify(requestLike({ token: 'opaque-scope' }), { scopes: ['read'] })).scopes).toEqual(['read'])
  })

  it('E05 "scope" as a JSON array grants no scope: 403 on a scoped route, accepted with no scopes on an unscoped one', async () => {
    const clock = new TestClock()
    const guard = setup('opaque-e05', active(clock, { scope: ['accounts:read', 'accounts:write'] }), {}, clock)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-e05' }), { scopes: ['accounts:read'] }), { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' })
    const auth = await guard.verify(requestLike({ token: 'opaque-e05' }))
    expect(auth.scopes).toEqual([])
    // The same under a guard-wide scope requirement.
    as.answers.set('opaque-e05', active(clock, { scope: { 0: 'accounts:read' } }))
    const scoped = createGuard(guardOptions(as, clock, { cache: false }, { scopes: ['accounts:read'] }))
    await expectRefusal(scoped.verify(requestLike({ token: 'opaque-e05' })), { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' })
  })

  it('"sub" or "client_id" that is not a string → 401', async () => {
    const clock = new TestClock()
    for (const claims of [{ sub: 42 }, { client_id: ['client-1'] }, { sub: null }]) {
      const guard = setup('opaque-types', active(clock, claims), {}, clock)
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-types' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('a malformed "cnf" (not an object, an unknown confirmation method, a bad thumbprint) → 401 ERR_CNF_INVALID', async () => {
    const clock = new TestClock()
    for (const cnf of ['jkt', [dpopKey.thumbprint], { jwk: dpopKey.publicJwk }, { jkt: 'short' }, { 'x5t#S256': `${FIXTURE_THUMBPRINT}=` }, { jkt: dpopKey.thumbprint, 'x5t#S256': 7 }]) {
      const guard = setup('opaque-cnf', active(clock, { cnf }), {}, clock)
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-cnf' })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('MTLS-08 under fapi2 an unbound introspected token is refused; a bound one is accepted', async () => {
    const clock = new TestClock()
    const guard = setup('opaque-unbound', active(clock), { profile: 'fapi2' }, clock)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-unbound' })), invalidToken('ERR_TOKEN_NOT_SENDER_CONSTRAINED', INVALID_TOKEN_CHALLENGE))
    as.answers.set('opaque-bound', active(clock, { cnf: { 'x5t#S256': certificate.thumbprint } }))
    expect((await guard.verify(requestLike({ token: 'opaque-bound', clientCertificate: certificate.cert }))).binding).toEqual({ mtls: { x5tS256: certificate.thumbprint } })
  })

  it('E10 a DPoP-bound introspected token (cnf.jkt) needs the DPoP scheme and a valid proof of that key, exactly like a JWT', async () => {
    const clock = new TestClock()
    const token = 'opaque-dpop-bound'
    const guard = setup(token, active(clock, { cnf: { jkt: dpopKey.thumbprint } }), { profile: 'fapi2' }, clock)
    const proof = (key = dpopKey, extra: { accessToken?: string } = {}) =>
      createDPoPProof({ key, method: 'GET', url: API, accessToken: extra.accessToken ?? token, iat: clock.seconds })
    const auth = await guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof() }))
    expect(auth.binding).toEqual({ dpop: { jkt: dpopKey.thumbprint } })
    // Bearer downgrade, with or without a proof.
    await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_DPOP_BINDING_SCHEME_MISMATCH', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(guard.verify(requestLike({ token: token, proof: await proof() })), invalidToken('ERR_DPOP_BINDING_SCHEME_MISMATCH', INVALID_TOKEN_CHALLENGE))
    // DPoP scheme without a proof, with another key's proof, with a proof for another token.
    await expectRefusal(guard.verify(requestLike({ token: token, scheme: 'DPoP' })), { status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_PROOF_MISSING' })
    await expectRefusal(guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(otherKey) })), invalidToken('ERR_DPOP_KEY_MISMATCH', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(dpopKey, { accessToken: 'another-token' }) })), { status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_ATH_MISMATCH' })
    // A proof is single-use here too.
    const once = await proof()
    await guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: once }))
    await expectRefusal(guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: once })), { status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_PROOF_REPLAYED' })
    // Switching DPoP off does not let it through as a bearer token.
    as.answers.set(token, active(clock, { cnf: { jkt: dpopKey.thumbprint } }))
    const noDPoP = createGuard(guardOptions(as, clock, { cache: false }, { dpop: false }))
    await expectRefusal(noDPoP.verify(requestLike({ token: token })), invalidToken('ERR_DPOP_BINDING_SCHEME_MISMATCH', INVALID_TOKEN_CHALLENGE))
  })

  it('E10 a certificate-bound introspected token (cnf["x5t#S256"]) needs the matching client certificate, exactly like a JWT', async () => {
    const clock = new TestClock()
    const token = 'opaque-cert-bound'
    const guard = setup(token, active(clock, { cnf: { 'x5t#S256': certificate.thumbprint } }), { profile: 'fapi2' }, clock)
    expect((await guard.verify(requestLike({ token: token, clientCertificate: certificate.cert }))).binding).toEqual({ mtls: { x5tS256: certificate.thumbprint } })
    await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(guard.verify(requestLike({ token: token, clientCertificate: otherCertificate.cert })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    // Switching mTLS off does not let it through.
    const noMTLS = createGuard(guardOptions(as, clock, { cache: false }, { mtls: false }))
    await expectRefusal(noMTLS.verify(requestLike({ token: token, clientCertificate: certificate.cert })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
  })

  it('E10 token_type "DPoP" without cnf.jkt is refused: the binding it announces cannot be checked', async () => {
    const clock = new TestClock()
    for (const answer of [active(clock, { token_type: 'DPoP' }), active(clock, { token_type: 'dpop', cnf: { 'x5t#S256': certificate.thumbprint } })]) {
      const guard = setup('opaque-tt', answer, {}, clock)
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-tt', clientCertificate: certificate.cert })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
      const proof = await createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: 'opaque-tt', iat: clock.seconds })
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-tt', scheme: 'DPoP', proof, clientCertificate: certificate.cert })), invalidToken('ERR_CNF_INVALID', INVALID_TOKEN_CHALLENGE))
    }
    // token_type "DPoP" with cnf.jkt, or "Bearer" without: accepted (as bound / as bearer). ("N_A" says "not an access token": INTRO-11.)
    const bound = setup('opaque-tt', active(clock, { token_type: 'DPoP', cnf: { jkt: dpopKey.thumbprint } }), {}, clock)
    const proof = await createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: 'opaque-tt', iat: clock.seconds })
    expect((await bound.verify(requestLike({ token: 'opaque-tt', scheme: 'DPoP', proof }))).binding.dpop?.jkt).toBe(dpopKey.thumbprint)
    for (const tokenType of ['Bearer']) {
      const bearer = setup('opaque-tt', active(clock, { token_type: tokenType }), {}, clock)
      expect((await bearer.verify(requestLike({ token: 'opaque-tt' }))).source).toBe('introspection')
    }
  })

  it('DPOP-18 cnf.jkt with token_type "Bearer" is treated as bound: Bearer refused, DPoP with a proof accepted', async () => {
    const clock = new TestClock()
    const guard = setup('opaque-d18', active(clock, { token_type: 'Bearer', cnf: { jkt: dpopKey.thumbprint } }), {}, clock)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-d18' })), invalidToken('ERR_DPOP_BINDING_SCHEME_MISMATCH', INVALID_TOKEN_CHALLENGE))
    const proof = await createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: 'opaque-d18', iat: clock.seconds })
    expect((await guard.verify(requestLike({ token: 'opaque-d18', scheme: 'DPoP', proof }))).binding).toEqual({ dpop: { jkt: dpopKey.thumbprint } })
  })

  it('DPOP-17 the RFC 9449 §7.1 request (opaque AT with dots, proof, §6.2 introspection answer) is accepted under fapi2 at 1562262618', async () => {
    const example = vectors.rfc9449_dpop
    const request = example.resource_request
    const clock = new TestClock(request.proof_payload.iat)
    as.answers.set(request.access_token, example.introspection_response_dpop_bound)
    const guard = createGuard({
      issuer: 'https://server.example.com',
      audience: 'https://resource.example.org',
      clock: clock.now,
      // The §6.2 answer has no "aud": this AS is taken for one that never sends it (the documented opt-out).
      introspection: { endpoint: as.endpoint, clientId: 'rs', clientSecret: 'rs:Mku-6g_lCzKIdz4fsN7kYcya+Ti', requireAudience: false },
    })
    // Two dots, but "Kz~8mXK1EalYznwH-LC-1fBAo" is no base64url JSON object: the token is opaque and introspected.
    expect(request.access_token.split('.')).toHaveLength(3)
    const auth = await guard.verify({
      method: 'GET',
      url: request.proof_payload.htu,
      headers: { authorization: `DPoP ${request.access_token}`, dpop: request.proof_jwt },
    })
    expect(auth).toMatchObject({
      source: 'introspection',
      issuer: 'https://server.example.com',
      subject: 'someone@example.com',
      binding: { dpop: { jkt: example.jwk_thumbprint_jkt } },
      scopes: [],
    })
    expect(as.requests.map((received) => received.body.get('token'))).toEqual([request.access_token])
    expect(as.requests[0]?.raw).toBe(`token=${encodeURIComponent(request.access_token).replace(/~/g, '%7E')}&token_type_hint=access_token`)
  })

  it('DPOP-24 the RFC 9449 example token sent as a Bearer token (with its proof) is refused', async () => {
    const example = vectors.rfc9449_dpop
    const request = example.resource_request
    const clock = new TestClock(request.proof_payload.iat)
    as.answers.set(request.access_token, example.introspection_response_dpop_bound)
    const guard = createGuard({
      issuer: 'https://server.example.com',
      audience: 'https://resource.example.org',
      profile: 'oauth2',
      clock: clock.now,
      introspection: { endpoint: as.endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, requireAudience: false },
    })
    for (const headers of [{}, { dpop: request.proof_jwt }]) {
      const error = await expectRefusal(guard.verify({ method: 'GET', url: request.proof_payload.htu, headers: { authorization: `Bearer ${request.access_token}`, ...headers } }), invalidToken('ERR_DPOP_BINDING_SCHEME_MISMATCH', INVALID_TOKEN_CHALLENGE))
      expect(error.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/)
    }
  })

  it('MTLS-03 the RFC 8705 §3.2 introspection example: its x5t#S256 does not match the fixture certificate (401); the fixture thumbprint does (200)', async () => {
    const example = vectors.rfc8705_mtls.introspection_example
    const clock = new TestClock((example.nbf as number) + 60)
    as.answers.set('opaque-mtls03', example)
    const guard = createGuard({
      issuer: 'https://server.example.com',
      audience: AUDIENCE,
      clock: clock.now,
      // The §3.2 answer has no "aud" (the documented opt-out).
      introspection: { endpoint: as.endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: false, requireAudience: false },
    })
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-mtls03', clientCertificate: FIXTURE_PEM })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    as.answers.set('opaque-mtls03', { ...example, cnf: { 'x5t#S256': FIXTURE_THUMBPRINT } })
    const auth = await guard.verify(requestLike({ token: 'opaque-mtls03', clientCertificate: FIXTURE_PEM }))
    expect(auth).toMatchObject({ subject: 'ty.webb@example.com', binding: { mtls: { x5tS256: FIXTURE_THUMBPRINT } } })
  })

  it('dotted tokens: opaque ones are introspected; a 3-segment token whose first segment is a base64url JSON object is taken for a JWT and never introspected', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    for (const token of ['a.b.c', 'mF_9.B5f-4.1JqM', 'x.y', 'a.b.c.d', 'a.b.c.d.e.f', 'YWJj.ZGVm.Z2hp']) {
      as.answers.set(token, active(clock))
      expect((await guard.verify(requestLike({ token: token }))).source, token).toBe('introspection')
    }
    const before = as.calls()
    const jwtShaped = `${b64u('{"alg":"ES256"}')}.opaque.part`
    as.answers.set(jwtShaped, active(clock))
    await expectRefusal(guard.verify(requestLike({ token: jwtShaped })), invalidToken('ERR_TOKEN_MALFORMED', INVALID_TOKEN_CHALLENGE))
    // A JSON header with an opaque middle: a JWT that fails to parse, refused as such (documented in the report).
    expect(as.calls()).toBe(before)
  })

  it('INTRO-10 an active answer must name this API in "aud": none (a refresh token, as oidc-provider describes one), a foreign or malformed one → 401', async () => {
    const clock = new TestClock()
    // oidc-provider's answer for its refresh token: no "aud", no "token_type".
    const refreshToken = { active: true, client_id: 'client-1', exp: clock.seconds + 3600, iat: clock.seconds, iss: ISSUER, sub: 'user-1', scope: 'openid offline_access' }
    const answers = [refreshToken, active(clock, { aud: undefined }), active(clock, { aud: [] }), active(clock, { aud: null }), active(clock, { aud: 'https://other.example.test' }), active(clock, { aud: [AUDIENCE.toUpperCase()] }), active(clock, { aud: [7] })]
    for (const answer of answers) {
      const error = await expectRefusal(setup('opaque-aud', answer, {}, clock).verify(requestLike({ token: 'opaque-aud' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
      expect(error.description).toContain('"aud"')
    }
    for (const aud of [AUDIENCE, ['https://other.example.test', AUDIENCE]]) {
      expect((await setup('opaque-aud', active(clock, { aud }), {}, clock).verify(requestLike({ token: 'opaque-aud' }))).source).toBe('introspection')
    }
  })

  it('INTRO-10 requireAudience: false (an AS that never sends "aud") accepts an answer without one; an "aud" that is present is still checked; the opt-out is per issuer', async () => {
    const clock = new TestClock()
    const optOut = createGuard(guardOptions(as, clock, { cache: false, requireAudience: false }))
    as.answers.set('opaque-no-aud', active(clock, { aud: undefined }))
    expect((await optOut.verify(requestLike({ token: 'opaque-no-aud' }))).source).toBe('introspection')
    as.answers.set('opaque-foreign', active(clock, { aud: 'https://other.example.test' }))
    await expectRefusal(optOut.verify(requestLike({ token: 'opaque-foreign' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    as.answers.set('opaque-refresh', active(clock, { aud: undefined, token_type: 'refresh_token' }))
    await expectRefusal(optOut.verify(requestLike({ token: 'opaque-refresh' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    const second = await startAS()
    try {
      const B = 'https://b.example.test'
      const settings = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: false } as const
      const guard = createGuard({
        issuer: [
          { issuer: ISSUER, introspection: { ...settings, endpoint: as.endpoint, tokenPrefix: 'a_' } },
          { issuer: B, introspection: { ...settings, endpoint: second.endpoint, requireAudience: false } },
        ],
        audience: AUDIENCE,
        profile: 'oauth2',
        clock: clock.now,
      })
      as.answers.set('a_no-aud', active(clock, { aud: undefined }))
      second.answers.set('b-no-aud', active(clock, { aud: undefined, iss: B }))
      await expectRefusal(guard.verify(requestLike({ token: 'a_no-aud' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
      expect((await guard.verify(requestLike({ token: 'b-no-aud' }))).issuer).toBe(B)
    } finally {
      await second.close()
    }
  })

  it('INTRO-11 a "token_type" that is not an access token type (refresh, ID, N_A, mac, not a string) → 401, whatever "aud" says', async () => {
    const clock = new TestClock()
    const refusedTypes: unknown[] = [
      'refresh_token',
      'Refresh',
      'urn:ietf:params:oauth:token-type:refresh_token',
      'urn:ietf:params:oauth:token-type:id_token',
      'id_token',
      'N_A',
      'mac',
      'bearer ',
      '',
      7,
      null,
      true,
      ['Bearer'],
      { type: 'Bearer' },
    ]
    for (const tokenType of refusedTypes) {
      const error = await expectRefusal(setup('opaque-tt', active(clock, { token_type: tokenType }), {}, clock).verify(requestLike({ token: 'opaque-tt' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
      expect(error.description, String(tokenType)).toContain('"token_type"')
    }
    for (const tokenType of ['Bearer', 'bearer', 'BEARER', 'access_token', 'urn:ietf:params:oauth:token-type:access_token', undefined]) {
      const auth = await setup('opaque-tt', active(clock, { token_type: tokenType }), {}, clock).verify(requestLike({ token: 'opaque-tt' }))
      expect(auth.source, String(tokenType)).toBe('introspection')
    }
  })

  it('INTRO-12 several issuers: an opaque token goes to exactly one (its tokenPrefix, else the one without); the others never see it', async () => {
    const clock = new TestClock()
    const second = await startAS()
    const third = await startAS()
    try {
      const A = 'https://a.example.test'
      const B = 'https://b.example.test'
      const C = 'https://c.example.test'
      const settings = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: false } as const
      const guard = createGuard({
        issuer: [
          { issuer: A, introspection: { ...settings, endpoint: as.endpoint, tokenPrefix: 'a_' } },
          { issuer: B, introspection: { ...settings, endpoint: second.endpoint } },
          { issuer: C, introspection: { ...settings, endpoint: third.endpoint, tokenPrefix: 'c.' } },
        ],
        audience: AUDIENCE,
        profile: 'oauth2',
        clock: clock.now,
      })
      const seen = (stub: StubAS) => stub.requests.map((received) => received.body.get('token'))
      as.answers.set('a_token', active(clock, { iss: A }))
      second.answers.set('b-token', active(clock, { iss: B }))
      third.answers.set('c.x.y', active(clock, { iss: C }))
      expect((await guard.verify(requestLike({ token: 'a_token' }))).issuer).toBe(A)
      expect((await guard.verify(requestLike({ token: 'b-token' }))).issuer).toBe(B)
      expect((await guard.verify(requestLike({ token: 'c.x.y' }))).issuer).toBe(C)
      // Inactive at its issuer: refused, never retried at another (which would then see the token).
      await expectRefusal(guard.verify(requestLike({ token: 'a_unknown' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
      await expectRefusal(guard.verify(requestLike({ token: 'b-unknown' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
      // A says active but names B: refused (never re-attributed).
      as.answers.set('a_names-b', active(clock, { iss: B }))
      await expectRefusal(guard.verify(requestLike({ token: 'a_names-b' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
      // A fault at the claiming issuer is a 503, not a reason to ask another.
      as.handler = (_request, res) => {
        res.writeHead(500)
        res.end()
      }
      await expectRefusal(guard.verify(requestLike({ token: 'a_token' })), { status: 503, error: 'temporarily_unavailable', code: 'ERR_INTROSPECTION_UNAVAILABLE' })
      expect(seen(as)).toEqual(['a_token', 'a_unknown', 'a_names-b', 'a_token'])
      expect(seen(second)).toEqual(['b-token', 'b-unknown'])
      expect(seen(third)).toEqual(['c.x.y'])
    } finally {
      await second.close()
      await third.close()
    }
  })

  it('INTRO-12 with every introspecting issuer prefixed (or one issuer with a prefix), a token no prefix claims is refused without any call', async () => {
    const clock = new TestClock()
    const second = await startAS()
    try {
      const settings = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: false } as const
      const both = createGuard({
        issuer: [
          { issuer: ISSUER, introspection: { ...settings, endpoint: as.endpoint, tokenPrefix: 'at_a_' } },
          { issuer: 'https://b.example.test', introspection: { ...settings, endpoint: second.endpoint, tokenPrefix: 'at_b_' } },
        ],
        audience: AUDIENCE,
        profile: 'oauth2',
        clock: clock.now,
      })
      const single = createGuard(guardOptions(as, clock, { cache: false, tokenPrefix: 'at_a_' }))
      for (const guard of [both, single]) {
        for (const token of ['at_c_token', 'at_', 'AT_A_token', 'xat_a_token', 'opaque']) {
          as.answers.set(token, active(clock))
          const error = await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_TOKEN_MALFORMED', INVALID_TOKEN_CHALLENGE))
          expect(error.description).toContain('no issuer introspects')
        }
      }
      expect(as.calls() + second.calls()).toBe(0)
      as.answers.set('at_a_token', active(clock))
      expect((await single.verify(requestLike({ token: 'at_a_token' }))).issuer).toBe(ISSUER)
    } finally {
      await second.close()
    }
  })

  it('INTRO-12 a JWT goes by its verified "iss", never by prefix: a JWT-shaped token is never introspected by the prefixed issuer', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { cache: false, tokenPrefix: 'eyJ' }))
    const jwtShaped = `${b64u('{"alg":"ES256"}')}.${b64u('{"iss":"x"}')}.sig`
    as.answers.set(jwtShaped, active(clock))
    expect((await refusal(guard.verify(requestLike({ token: jwtShaped })))).status).toBe(401)
    expect(as.calls()).toBe(0)
  })
})
