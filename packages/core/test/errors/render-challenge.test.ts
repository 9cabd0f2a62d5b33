/**
 * RFC 6750 §3 error signalling (standards.md §1, ERR-*): status, error code, and the
 * `WWW-Authenticate` challenge, as golden strings where the row defines them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { GuardError, renderWWWAuthenticate, type AuthContext, type GuardOptions, type RequestLike } from '../../src/index.js'
import { buildChallenges, quoteString, sanitizeDescription } from '../../src/errors/render-challenge.js'
import { createGuard } from '../../src/node/index.js'
import { parseChallenges } from '../support/challenge.js'
import { flipSignatureBit } from '../support/jws.js'
import { NOW, TestClock, requestLike, refusal, expectRefusal, invalidToken, invalidRequest, NO_CREDENTIALS } from '../support/kit.js'

const RS = 'https://rs.example.com/'
const DESCRIPTION_CHARSET = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/

let local: LocalIssuer
let cert: TestCertificate

beforeAll(async () => {
  local = await createLocalIssuer({ audience: RS })
  cert = createTestCertificate('client-err')
})
afterAll(() => local.close())

function mint(claims: Record<string, unknown> = {}): Promise<string> {
  return local.mint(claims, { now: NOW })
}

describe('renderWWWAuthenticate (RFC 9110 §11.6.1, RFC 6750 §3)', () => {
  it('ERR-11 renders the RFC 6750 §3 example challenges exactly', () => {
    expect(renderWWWAuthenticate([{ scheme: 'Bearer', params: [['realm', 'example']] }])).toBe('Bearer realm="example"')
    expect(
      renderWWWAuthenticate([
        { scheme: 'Bearer', params: [['realm', 'example'], ['error', 'invalid_token'], ['error_description', 'The access token expired']] },
      ]),
    ).toBe('Bearer realm="example", error="invalid_token", error_description="The access token expired"')
    expect(renderWWWAuthenticate([{ scheme: 'Bearer', params: [] }, { scheme: 'DPoP', params: [['algs', 'ES256 PS256']] }])).toBe('Bearer, DPoP algs="ES256 PS256"')
  })

  it('ERR-09 quoted-string values escape " and \\ (RFC 9110 §5.6.4) and drop control characters', () => {
    expect(quoteString('plain')).toBe('"plain"')
    expect(quoteString('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"')
    expect(quoteString('a\r\nb\u0000c\td')).toBe('"abc\td"')
    const rendered = renderWWWAuthenticate([{ scheme: 'Bearer', params: [['realm', 'a "b" \\c']] }])
    expect(parseChallenges(rendered)).toEqual([{ scheme: 'Bearer', params: [['realm', 'a "b" \\c']] }])
  })

  it('ERR-10 error_description is kept inside %x20-21 / %x23-5B / %x5D-7E', () => {
    expect(sanitizeDescription('the "kid" is wrong \\ é\n')).toBe("the 'kid' is wrong / ??")
    const error = new GuardError('ERR_JWT_CLAIM_INVALID', 'claim "naïve" \\ bad\u0007')
    const [challenge] = buildChallenges({ realm: 'api', bearer: true, dpopAlgs: undefined, descriptions: true }, error)
    const description = challenge?.params.find(([name]) => name === 'error_description')?.[1]
    expect(description).toBe("claim 'na?ve' / bad?")
    expect(description).toMatch(DESCRIPTION_CHARSET)
  })
})

describe('RFC 6750 §3 errors through guard.verify', () => {
  function oauth2(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', clock: new TestClock().now, dpop: false, ...extra })
  }

  /** A spread of refusals of a default (fapi2, DPoP offered) guard, for the rows that hold for all of them. */
  async function corpus(): Promise<GuardError[]> {
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now, scopes: ['accounts:read'] })
    const bound = await mint({ cnf: { 'x5t#S256': cert.thumbprint }, scope: 'accounts:read' })
    const requests: RequestLike[] = [
      requestLike({ authorization: undefined }),
      requestLike({ authorization: 'Basic Zm9vOmJhcg==' }),
      requestLike({ authorization: 'Bearer' }),
      requestLike({ authorization: 'Bearer a"b' }),
      requestLike({ authorization: ['Bearer a', 'DPoP a'] }),
      requestLike({ token: await mint({ exp: NOW - 60, iat: NOW - 360 }) }),
      requestLike({ token: flipSignatureBit(bound), clientCertificate: cert.der }),
      requestLike({ token: await mint({ aud: 'https://other.example/' }) }),
      requestLike({ token: await mint() }),
      requestLike({ token: bound }),
      requestLike({ token: await mint({ cnf: { 'x5t#S256': cert.thumbprint } }), clientCertificate: cert.der }),
      requestLike({ authorization: `DPoP ${await mint({ exp: NOW - 60, iat: NOW - 360 })}` }),
      requestLike({ token: 'x'.repeat(9000) }),
    ]
    const errors: GuardError[] = []
    for (const request of requests) errors.push(await refusal(guard.verify(request)))
    expect(errors.map((error) => error.code)).toEqual([
      'ERR_NO_CREDENTIALS',
      'ERR_NO_CREDENTIALS',
      'ERR_AUTHORIZATION_MALFORMED',
      'ERR_AUTHORIZATION_MALFORMED',
      'ERR_AUTHORIZATION_DUPLICATED',
      'ERR_JWT_EXPIRED',
      'ERR_JWT_SIGNATURE_INVALID',
      'ERR_JWT_AUDIENCE_INVALID',
      'ERR_TOKEN_NOT_SENDER_CONSTRAINED',
      'ERR_MTLS_CERTIFICATE_MISSING',
      'ERR_INSUFFICIENT_SCOPE',
      'ERR_JWT_EXPIRED',
      'ERR_TOKEN_TOO_LARGE',
    ])
    return errors
  }

  it('ERR-01 a request without credentials gets 401 with a WWW-Authenticate header; so does every refused token', async () => {
    const error = await expectRefusal(oauth2().verify(requestLike({ authorization: undefined })), NO_CREDENTIALS)
    expect(error.headers['www-authenticate']).toBe('Bearer realm="api"')
    for (const refusal of await corpus()) {
      if (refusal.status === 401 || refusal.status === 403) expect(refusal.headers['www-authenticate'], refusal.code).toBeTruthy()
    }
  })

  it('ERR-02 every Bearer challenge carries at least one auth-param (never a bare "Bearer")', async () => {
    for (const refusal of await corpus()) {
      for (const challenge of parseChallenges(refusal.headers['www-authenticate'] ?? 'Bearer realm="x"')) {
        expect(challenge.params.length, `${refusal.code}: ${refusal.headers['www-authenticate']}`).toBeGreaterThan(0)
      }
    }
    const dpopOnly = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now, dpop: { required: true } })
    const error = await expectRefusal(dpopOnly.verify(requestLike({ token: await mint() })), invalidToken('ERR_TOKEN_NOT_SENDER_CONSTRAINED'))
    // A DPoP-only resource offers no Bearer challenge: the error goes into the DPoP one (DPOP-27).
    expect(error.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token", error_description="[^"]+", algs="PS256 ES256 EdDSA Ed25519"$/)
  })

  it('ERR-03 no credentials, or an unsupported scheme, gives a challenge without error information', async () => {
    const guard = oauth2()
    for (const authorization of [undefined, 'Basic Zm9vOmJhcg==', 'Negotiate YIIB', 'Digest username="x"', '']) {
      const error = await expectRefusal(guard.verify(requestLike({ authorization: authorization })), NO_CREDENTIALS)
      expect(error.headers['www-authenticate']).toBe('Bearer realm="api"')
      expect(error.toJSON()).not.toHaveProperty('error_description')
    }
  })

  it('ERR-04 a refused access token carries error="invalid_token"', async () => {
    const error = await expectRefusal(oauth2().verify(requestLike({ token: await mint({ exp: NOW - 60, iat: NOW - 360 }) })), invalidToken('ERR_JWT_EXPIRED'))
    expect(parseChallenges(error.headers['www-authenticate'] as string)[0]?.params).toContainEqual(['error', 'invalid_token'])
    expect(error.toJSON()).toEqual({ error: 'invalid_token', error_description: 'the access token has expired' })
  })

  it('ERR-05 realm as configured, and no auth-param appears twice in any challenge', async () => {
    const error = await expectRefusal(oauth2({ realm: 'example' }).verify(requestLike({ authorization: undefined })), NO_CREDENTIALS)
    expect(error.headers['www-authenticate']).toBe('Bearer realm="example"')
    const scoped = await expectRefusal(oauth2({ realm: 'example' }).verify(requestLike({ token: await mint({ scope: 'a' }) }), { scopes: ['b', 'c'] }), {
      status: 403,
      error: 'insufficient_scope',
      code: 'ERR_INSUFFICIENT_SCOPE',
    })
    for (const refusal of [...(await corpus()), scoped]) {
      for (const challenge of parseChallenges(refusal.headers['www-authenticate'] ?? '')) {
        const names = challenge.params.map(([name]) => name)
        expect(new Set(names).size, `${challenge.scheme} in ${refusal.headers['www-authenticate']}`).toBe(names.length)
      }
    }
  })

  it('ERR-06 a malformed Authorization header is 400 with error="invalid_request"', async () => {
    await expectRefusal(oauth2().verify(requestLike({ authorization: 'Bearer a"b' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED', 'Bearer realm="api", error="invalid_request", error_description="the Bearer token is not token68 syntax"'))
    await expectRefusal(oauth2().verify(requestLike({ authorization: 'Bearer@ x' })), invalidRequest('ERR_AUTHORIZATION_MALFORMED', 'Bearer realm="api", error="invalid_request", error_description="the Authorization header is malformed"'))
  })

  it('ERR-07 expired or badly signed tokens are 401 with error="invalid_token"', async () => {
    const guard = oauth2()
    await expectRefusal(guard.verify(requestLike({ token: await mint({ exp: NOW - 60, iat: NOW - 360 }) })), invalidToken('ERR_JWT_EXPIRED', 'Bearer realm="api", error="invalid_token", error_description="the access token has expired"'))
    await expectRefusal(guard.verify(requestLike({ token: flipSignatureBit(await mint()) })), invalidToken('ERR_JWT_SIGNATURE_INVALID', 'Bearer realm="api", error="invalid_token", error_description="the access token signature does not verify"'))
  })

  it('ERR-08 a missing scope is 403 insufficient_scope naming the scope needed', async () => {
    const guard = oauth2({ errorDescriptions: false })
    const error = await expectRefusal(guard.verify(requestLike({ token: await mint({ scope: 'accounts:read' }) }), { scopes: ['payments:write'] }), {
      status: 403,
      error: 'insufficient_scope',
      code: 'ERR_INSUFFICIENT_SCOPE',
      challenge: 'Bearer realm="api", error="insufficient_scope", scope="payments:write"',
    })
    expect(error.toJSON()).toEqual({ error: 'insufficient_scope' })
  })

  it('ERR-09 error_description is present and quoted; a realm with " and \\ is escaped', async () => {
    const guard = oauth2({ realm: 'my "api" \\ v1' })
    const error = await expectRefusal(guard.verify(requestLike({ token: await mint({ exp: NOW - 60, iat: NOW - 360 }) })), invalidToken('ERR_JWT_EXPIRED'))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="my \\"api\\" \\\\ v1", error="invalid_token", error_description="the access token has expired"',
    )
    expect(parseChallenges(error.headers['www-authenticate'] as string)[0]?.params[0]).toEqual(['realm', 'my "api" \\ v1'])
  })

  it('ERR-10 every error_description the guard emits stays inside the RFC 6750 character set', async () => {
    for (const refusal of await corpus()) {
      for (const challenge of parseChallenges(refusal.headers['www-authenticate'] ?? '')) {
        for (const [name, value] of challenge.params) {
          if (name === 'error' || name === 'error_description') expect(value, refusal.code).toMatch(DESCRIPTION_CHARSET)
        }
      }
    }
  })

  it('ERR-11 the RFC 6750 §3 example challenges come out of the guard', async () => {
    const guard = oauth2({ realm: 'example', errorDescriptions: false })
    await expectRefusal(guard.verify(requestLike({ authorization: undefined })), { ...NO_CREDENTIALS, challenge: 'Bearer realm="example"' })
    await expectRefusal(guard.verify(requestLike({ token: await mint({ exp: NOW - 60, iat: NOW - 360 }) })), invalidToken('ERR_JWT_EXPIRED', 'Bearer realm="example", error="invalid_token"'))
    const described = oauth2({ realm: 'example' })
    await expectRefusal(described.verify(requestLike({ token: await mint({ exp: NOW - 60, iat: NOW - 360 }) })), invalidToken('ERR_JWT_EXPIRED', 'Bearer realm="example", error="invalid_token", error_description="the access token has expired"'))
  })

  it('ERR-12 insufficient authorization (guard-wide and per-route scopes, requireScopes) is answered as RFC 6750 §3.1', async () => {
    const guard = oauth2({ scopes: ['accounts:read'] })
    const readOnly = await mint({ scope: 'accounts:read' })
    await guard.verify(requestLike({ token: readOnly }))
    await expectRefusal(guard.verify(requestLike({ token: await mint({ scope: 'payments:write' }) })), { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE', challenge: 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a scope this resource needs", scope="accounts:read"' })
    const both = await expectRefusal(guard.verify(requestLike({ token: readOnly }), { scopes: ['payments:write'] }), { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' })
    // Guard-wide scopes are granted; the challenge names what this route needs on top (as requireScopes does).
    expect(both.scope).toBe('payments:write')
    const auth: AuthContext = await guard.verify(requestLike({ token: readOnly }))
    expect(() => guard.requireScopes(auth, ['accounts:read'])).not.toThrow()
    let thrown: unknown
    try {
      guard.requireScopes(auth, ['payments:write'])
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(GuardError)
    expect((thrown as GuardError).status).toBe(403)
    expect((thrown as GuardError).headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a scope this resource needs", scope="payments:write"',
    )
  })
})
