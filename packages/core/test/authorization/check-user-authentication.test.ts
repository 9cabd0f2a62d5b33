/**
 * RFC 9470 step-up authentication (standards.md §9, STEPUP-01…07): `acr` and `auth_time` demands set
 * guard-wide (`acrValues`, `maxAge`), per call (`verify(req, { acrValues, maxAge })`) and per route
 * (`authorize(auth, …)`), the 401 `insufficient_user_authentication` challenge as golden strings, and
 * the option checks.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import { checkRequirements, isGuardError, PROFILE_ALGORITHMS, type AuthContext, type GuardError, type GuardOptions, type RequestLike } from '../../src/index.js'
import { checkUserAuthentication } from '../../src/authorization/check-user-authentication.js'
import { createGuard } from '../../src/node/index.js'
import { parseChallenges } from '../support/challenge.js'
import { API, TestClock, requestLike, refusal, expectRefusal } from '../support/kit.js'

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as {
  rfc9470_examples: { acr_challenge: string; max_age_challenge: string; jwt_claims_example: Record<string, unknown> }
}
const RFC9470 = vectors.rfc9470_examples
/** The `WWW-Authenticate` value of an RFC 9470 §3 example response. */
const golden = (response: string) => (/^WWW-Authenticate: (.*)$/m.exec(response) as RegExpExecArray)[1] as string
/** `Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"` */
const ACR_GOLDEN = golden(RFC9470.acr_challenge)
/** `Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"` */
const MAX_AGE_GOLDEN = golden(RFC9470.max_age_challenge)
/** Our Bearer challenge is the RFC's with `realm="api"` first. */
const withRealm = (challenge: string) => challenge.replace(/^Bearer /, 'Bearer realm="api", ')

/** RFC 9470 §6.1 example: issued at 1646340200, user authenticated at 1646340198 with `myACR`. */
const EXAMPLE_CLAIMS = RFC9470.jwt_claims_example
const ISSUED = EXAMPLE_CLAIMS.iat as number
const AUTH_TIME = EXAMPLE_CLAIMS.auth_time as number
const RS = EXAMPLE_CLAIMS.aud as string
const OAUTH2_ALGS = PROFILE_ALGORITHMS.oauth2.join(' ')
const FAPI2_ALGS = PROFILE_ALGORITHMS.fapi2.join(' ')
const INSUFFICIENT = { status: 401, error: 'insufficient_user_authentication', code: 'ERR_INSUFFICIENT_USER_AUTHENTICATION' } as const

let local: LocalIssuer

beforeAll(async () => {
  local = await createLocalIssuer({ audience: RS })
})
afterAll(() => local.close())

/** The RFC 9470 example token (iss: the local issuer), with `overrides`; `undefined` removes a claim. */
function exampleToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return local.mint({ ...EXAMPLE_CLAIMS, iss: local.issuer, ...overrides }, { now: ISSUED })
}

const clockAt = (seconds: number) => () => seconds * 1000

describe('checkUserAuthentication', () => {
  const check = (claims: Record<string, unknown>, requirement: { acrValues?: string[]; maxAge?: number }, now = ISSUED, tolerance = 0) => {
    try {
      checkUserAuthentication(claims, requirement, now, tolerance, undefined)
      return undefined
    } catch (error) {
      return error as GuardError
    }
  }

  it('STEPUP-02 acr must be one of acrValues; a missing or non-string acr fails', () => {
    expect(check({ acr: 'myACR' }, { acrValues: ['myACR'] })).toBeUndefined()
    expect(check({ acr: 'gold' }, { acrValues: ['silver', 'gold'] })).toBeUndefined()
    for (const acr of ['low', 'MYACR', 'myACR ', undefined, 1, ['myACR'], null]) {
      const error = check({ acr }, { acrValues: ['myACR'] })
      expect(error?.code, String(acr)).toBe('ERR_INSUFFICIENT_USER_AUTHENTICATION')
      expect(error?.acrValues).toBe('myACR')
      expect(error?.maxAge).toBeUndefined()
    }
  })

  it('STEPUP-03 auth_time no older than maxAge (inclusive), with clockTolerance on top', () => {
    expect(check({ auth_time: AUTH_TIME }, { maxAge: 5 }, AUTH_TIME + 5)).toBeUndefined()
    expect(check({ auth_time: AUTH_TIME }, { maxAge: 5 }, AUTH_TIME + 6)?.maxAge).toBe(5)
    expect(check({ auth_time: AUTH_TIME }, { maxAge: 5 }, AUTH_TIME + 8, 3)).toBeUndefined()
    expect(check({ auth_time: AUTH_TIME }, { maxAge: 5 }, AUTH_TIME + 9, 3)?.maxAge).toBe(5)
    expect(check({ auth_time: AUTH_TIME }, { maxAge: 0 }, AUTH_TIME)).toBeUndefined()
    expect(check({ auth_time: AUTH_TIME }, { maxAge: 0 }, AUTH_TIME + 1)?.code).toBe('ERR_INSUFFICIENT_USER_AUTHENTICATION')
  })

  it('STEPUP-07 no auth_time, or one that is not a finite number, fails a maxAge demand (fail closed)', () => {
    for (const authTime of [undefined, String(AUTH_TIME), null, Number.NaN, Number.POSITIVE_INFINITY, [AUTH_TIME]]) {
      const error = check({ ...(authTime !== undefined && { auth_time: authTime }) }, { maxAge: 3600 })
      expect(error?.code, String(authTime)).toBe('ERR_INSUFFICIENT_USER_AUTHENTICATION')
      expect(error?.maxAge).toBe(3600)
      expect(error?.description).toBe('More recent authentication is required')
    }
  })

  it('an auth_time in the future (beyond clockTolerance) fails a maxAge demand instead of passing every one', () => {
    expect(check({ auth_time: ISSUED + 3 }, { maxAge: 60 }, ISSUED, 5)).toBeUndefined()
    expect(check({ auth_time: ISSUED + 60 }, { maxAge: 60 }, ISSUED, 5)?.code).toBe('ERR_INSUFFICIENT_USER_AUTHENTICATION')
    expect(check({ auth_time: 9_999_999_999 }, { maxAge: 60 }, ISSUED, 5)?.code).toBe('ERR_INSUFFICIENT_USER_AUTHENTICATION')
  })

  it('STEPUP-04 both failing: one error with acr_values and max_age; scope when scopes are missing too', () => {
    let error: GuardError | undefined
    try {
      checkUserAuthentication({ acr: 'low', auth_time: AUTH_TIME }, { acrValues: ['myACR'], maxAge: 5 }, AUTH_TIME + 100, 0, 'purchase')
    } catch (caught) {
      error = caught as GuardError
    }
    expect(error).toMatchObject({ code: 'ERR_INSUFFICIENT_USER_AUTHENTICATION', acrValues: 'myACR', maxAge: 5, scope: 'purchase' })
    expect(error?.description).toBe('A different authentication level is required')
  })

  it('an invalid requirement (empty acrValues, negative, fractional or non-number maxAge) never passes a token', () => {
    const claims = { acr: 'myACR', auth_time: AUTH_TIME }
    const invalid = [{ acrValues: [] }, { acrValues: [''] }, { acrValues: ['my ACR'] }, { acrValues: 'myACR-strong' }, { maxAge: -1 }, { maxAge: 1.5 }, { maxAge: '5' }, { maxAge: Number.NaN }]
    for (const requirement of invalid) {
      expect(() => checkUserAuthentication(claims, requirement as never, AUTH_TIME + 1, 0, undefined), JSON.stringify(requirement)).toThrow()
    }
  })
})

describe('step-up through guard.verify and guard.authorize', () => {
  /** oauth2 with `dpop: false`: the challenge is the Bearer challenge alone. */
  function bearerGuard(extra: Partial<GuardOptions> = {}, now = ISSUED) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', dpop: false, clock: new TestClock(now).now, ...extra })
  }

  async function verifyRefused(promise: Promise<unknown>): Promise<GuardError> {
    return expectRefusal(promise, INSUFFICIENT)
  }

  it('STEPUP-01/02/06 guard-wide acrValues: acr "low" → 401 with the RFC 9470 acr_values challenge', async () => {
    const error = await verifyRefused(bearerGuard({ acrValues: ['myACR'] }).verify(requestLike({ token: await exampleToken({ acr: 'low' }) })))
    expect(error.headers['www-authenticate']).toBe(withRealm(ACR_GOLDEN))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    )
    expect(error.toJSON()).toEqual({ error: 'insufficient_user_authentication', error_description: 'A different authentication level is required' })
    await expect(bearerGuard({ acrValues: ['myACR'] }).verify(requestLike({ token: await exampleToken() }))).resolves.toMatchObject({ claims: { acr: 'myACR' } })
  })

  it('STEPUP-02 acr_values lists every accepted value in order of preference; a missing acr fails', async () => {
    const guard = bearerGuard({ acrValues: ['urn:gold', 'myACR'] })
    await expect(guard.verify(requestLike({ token: await exampleToken() }))).resolves.toBeDefined()
    const error = await verifyRefused(guard.verify(requestLike({ token: await exampleToken({ acr: undefined }) })))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:gold myACR"',
    )
  })

  it('STEPUP-02 the same through verify(req, { acrValues }) and authorize(auth, { acrValues })', async () => {
    const guard = bearerGuard()
    const low = requestLike({ token: await exampleToken({ acr: 'low' }) })
    const perCall = await verifyRefused(guard.verify(low, { acrValues: ['myACR'] }))
    expect(perCall.headers['www-authenticate']).toBe(withRealm(ACR_GOLDEN))
    const auth = await guard.verify(low)
    const perRoute = await verifyRefused(Promise.resolve().then(() => guard.authorize(auth, { acrValues: ['myACR'] })))
    expect(perRoute.headers['www-authenticate']).toBe(withRealm(ACR_GOLDEN))
    expect(() => guard.authorize(auth, { acrValues: ['low'] })).not.toThrow()
  })

  it('STEPUP-03 maxAge 5, authenticated 60 s ago → the RFC 9470 max_age challenge (guard-wide, per call, per route)', async () => {
    const now = AUTH_TIME + 60
    const token = await exampleToken()
    const wide = await verifyRefused(bearerGuard({ maxAge: 5 }, now).verify(requestLike({ token: token })))
    expect(wide.headers['www-authenticate']).toBe(withRealm(MAX_AGE_GOLDEN))
    expect(wide.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
    )
    const guard = bearerGuard({}, now)
    expect((await verifyRefused(guard.verify(requestLike({ token: token }), { maxAge: 5 }))).headers['www-authenticate']).toBe(withRealm(MAX_AGE_GOLDEN))
    const auth = await guard.verify(requestLike({ token: token }))
    expect(() => guard.authorize(auth, { maxAge: 5 })).toThrow(expect.objectContaining({ ...INSUFFICIENT, headers: { 'www-authenticate': withRealm(MAX_AGE_GOLDEN) } }))
    expect(() => guard.authorize(auth, { maxAge: 60 })).not.toThrow()
  })

  it('STEPUP-03 with DPoP offered: the Bearer challenge part is the golden one, the DPoP challenge follows without an error', async () => {
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', clock: new TestClock(AUTH_TIME + 60).now, maxAge: 5 })
    const error = await verifyRefused(guard.verify(requestLike({ token: await exampleToken() })))
    expect(error.headers['www-authenticate']).toBe(`${withRealm(MAX_AGE_GOLDEN)}, DPoP algs="${OAUTH2_ALGS}"`)
  })

  it('STEPUP-04 both failing → one challenge with acr_values and max_age', async () => {
    const guard = bearerGuard({ acrValues: ['myACR'], maxAge: 5 }, AUTH_TIME + 60)
    const error = await verifyRefused(guard.verify(requestLike({ token: await exampleToken({ acr: 'low' }) })))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR", max_age="5"',
    )
    expect(parseChallenges(error.headers['www-authenticate'] as string)).toHaveLength(1)
  })

  it('STEPUP-04 with scopes missing as well: 401 (not 403) and the challenge names the scope too', async () => {
    const guard = bearerGuard({ acrValues: ['myACR'], maxAge: 5, scopes: ['purchase', 'refund'] }, AUTH_TIME + 60)
    const error = await verifyRefused(guard.verify(requestLike({ token: await exampleToken({ acr: 'low' }) })))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", scope="purchase refund", acr_values="myACR", max_age="5"',
    )
    // Only one step-up demand failing plus scopes: the same shape with the one parameter.
    const onlyAcr = await verifyRefused(bearerGuard().verify(requestLike({ token: await exampleToken({ acr: 'low' }) }), { acrValues: ['myACR'], scopes: ['refund'] }))
    expect(onlyAcr.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", scope="refund", acr_values="myACR"',
    )
    // The guard-wide demands are checked before the route's, as when an adapter calls authorize after
    // verify: a guard-wide step-up failure names the guard-wide demand, not the route's scopes (a MAY).
    const guardWideFirst = await verifyRefused(bearerGuard({ acrValues: ['myACR'] }).verify(requestLike({ token: await exampleToken({ acr: 'low' }) }), { scopes: ['refund'] }))
    expect(guardWideFirst.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    )
    // Authentication good enough, scope missing: 403 insufficient_scope without step-up parameters.
    const scopeOnly = await expectRefusal(bearerGuard({ acrValues: ['myACR'] }).verify(requestLike({ token: await exampleToken() }), { scopes: ['refund'] }), {
      status: 403,
      error: 'insufficient_scope',
      code: 'ERR_INSUFFICIENT_SCOPE',
    })
    expect(scopeOnly.headers['www-authenticate']).not.toMatch(/acr_values|max_age/)
    // Per route, the same.
    const auth = await bearerGuard({}, AUTH_TIME + 60).verify(requestLike({ token: await exampleToken({ acr: 'low' }) }))
    expect(() => bearerGuard({}, AUTH_TIME + 60).authorize(auth, { scopes: ['refund'], acrValues: ['myACR'], maxAge: 5 })).toThrow(
      expect.objectContaining({
        status: 401,
        headers: {
          'www-authenticate':
            'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", scope="refund", acr_values="myACR", max_age="5"',
        },
      }),
    )
  })

  it('STEPUP-05 RFC 9470 example claims: clock 1646340200 with max_age 5 → accepted; clock 1646340300 → refused', async () => {
    const token = await exampleToken()
    const requirement = { acrValues: ['myACR'], maxAge: 5 }
    const auth = await bearerGuard(requirement, 1646340200).verify(requestLike({ token: token }))
    expect(auth.claims).toMatchObject({ auth_time: 1646340198, acr: 'myACR', scope: 'purchase' })
    await expect(bearerGuard({}, 1646340200).verify(requestLike({ token: token }), requirement)).resolves.toBeDefined()
    const error = await verifyRefused(bearerGuard(requirement, 1646340300).verify(requestLike({ token: token })))
    expect(error.headers['www-authenticate']).toBe(withRealm(MAX_AGE_GOLDEN))
    await verifyRefused(bearerGuard({}, 1646340300).verify(requestLike({ token: token }), requirement))
  })

  it('STEPUP-05 the boundary with clockTolerance 0: 5 s old passes max_age 5, 6 s old does not', async () => {
    const token = await exampleToken()
    await expect(bearerGuard({ maxAge: 5, clockTolerance: 0 }, AUTH_TIME + 5).verify(requestLike({ token: token }))).resolves.toBeDefined()
    await verifyRefused(bearerGuard({ maxAge: 5, clockTolerance: 0 }, AUTH_TIME + 6).verify(requestLike({ token: token })))
  })

  it('STEPUP-05 acr and auth_time from an introspection response are held to the same demands', async () => {
    const introspecting = await createLocalIssuer({ audience: RS, introspectionClient: { clientId: 'rs', clientSecret: 'rs-secret' } })
    try {
      const guard = createGuard({
        issuer: introspecting.issuer,
        audience: RS,
        profile: 'oauth2',
        dpop: false,
        clock: new TestClock(1646340200).now,
        introspection: { clientId: 'rs', clientSecret: 'rs-secret', endpoint: introspecting.introspectionEndpoint, cache: false },
      })
      const claims = { iat: ISSUED, exp: ISSUED + 600, acr: 'myACR', auth_time: AUTH_TIME }
      const good = introspecting.issueOpaque(claims)
      await expect(guard.verify(requestLike({ token: good }), { acrValues: ['myACR'], maxAge: 5 })).resolves.toMatchObject({ source: 'introspection' })
      const low = await verifyRefused(guard.verify(requestLike({ token: introspecting.issueOpaque({ ...claims, acr: 'low' }) }), { acrValues: ['myACR'] }))
      expect(low.headers['www-authenticate']).toBe(withRealm(ACR_GOLDEN))
      const stale = await verifyRefused(guard.verify(requestLike({ token: introspecting.issueOpaque({ ...claims, auth_time: AUTH_TIME - 100 }) }), { maxAge: 5 }))
      expect(stale.headers['www-authenticate']).toBe(withRealm(MAX_AGE_GOLDEN))
      const none = await verifyRefused(guard.verify(requestLike({ token: introspecting.issueOpaque({ ...claims, auth_time: undefined }) }), { maxAge: 5 }))
      expect(none.maxAge).toBe(5)
    } finally {
      await introspecting.close()
    }
  })

  it('STEPUP-07 maxAge with no auth_time in the token → refused with max_age', async () => {
    const error = await verifyRefused(bearerGuard({ maxAge: 3600 }).verify(requestLike({ token: await exampleToken({ auth_time: undefined }) })))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="3600"',
    )
    await verifyRefused(bearerGuard({ maxAge: 3600 }).verify(requestLike({ token: await exampleToken({ auth_time: String(AUTH_TIME) }) })))
    await verifyRefused(bearerGuard({ maxAge: 3600 }).verify(requestLike({ token: await exampleToken({ auth_time: ISSUED + 3600 }) })))
  })

  it('with `errorDescriptions: false` the challenge keeps acr_values and max_age, without error_description', async () => {
    const guard = bearerGuard({ acrValues: ['myACR'], maxAge: 5, errorDescriptions: false }, AUTH_TIME + 60)
    const error = await verifyRefused(guard.verify(requestLike({ token: await exampleToken({ acr: 'low' }) })))
    expect(error.headers['www-authenticate']).toBe('Bearer realm="api", error="insufficient_user_authentication", acr_values="myACR", max_age="5"')
    expect(error.toJSON()).toEqual({ error: 'insufficient_user_authentication' })
  })

  it('no demand, no check: a token without acr or auth_time is accepted', async () => {
    await expect(bearerGuard().verify(requestLike({ token: await exampleToken({ acr: undefined, auth_time: undefined }) }))).resolves.toBeDefined()
  })

  it('a per-call demand adds to the guard-wide one, never lifts it (the same answer as authorize after verify)', async () => {
    const guard = bearerGuard({ acrValues: ['myACR'], maxAge: 3600 }, AUTH_TIME + 60)
    const silver = requestLike({ token: await exampleToken({ acr: 'silver' }) })
    // The route accepting "silver" does not lift the guard-wide demand for "myACR".
    const lifted = await verifyRefused(guard.verify(silver, { acrValues: ['silver'] }))
    expect(lifted.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    )
    // A stricter route maxAge applies on top of the guard-wide one.
    const gold = requestLike({ token: await exampleToken() })
    await expect(guard.verify(gold)).resolves.toBeDefined()
    const stricter = await verifyRefused(guard.verify(gold, { maxAge: 5 }))
    expect(stricter.headers['www-authenticate']).toBe(withRealm(MAX_AGE_GOLDEN))
    const auth = await guard.verify(gold)
    expect(() => guard.authorize(auth, { maxAge: 5 })).toThrow(expect.objectContaining({ headers: expect.objectContaining({ 'www-authenticate': withRealm(MAX_AGE_GOLDEN) }) }))
  })

  it('an invalid per-call demand never lets a token through: it is a fault of the route (500 ERR_INTERNAL naming the requirement), checked like options', async () => {
    const guard = bearerGuard({ acrValues: ['myACR'], maxAge: 3600 })
    const low = requestLike({ token: await exampleToken({ acr: 'low' }) })
    const internal = { status: 500, code: 'ERR_INTERNAL' }
    for (const options of [{ acrValues: [] }, { acrValues: [''] }, { maxAge: -1 }, { maxAge: 1.5 }, { maxAge: '99999' }, { maxAge: Number.NaN }, { scope: ['read'] }]) {
      const error = await refusal(guard.verify(low, options as never))
      expect(error, JSON.stringify(options)).toMatchObject(internal)
      expect((error.cause as Error).message).toMatch(/^fapi-guard: option "the requirements of verify\(request, requirements\)/)
    }
    // A lone string is not a list: "myACR-strong" must not be met by acr "myACR" (a substring).
    const myACR = requestLike({ token: await exampleToken() })
    expect(await refusal(bearerGuard().verify(myACR, { acrValues: 'myACR-strong' as never }))).toMatchObject(internal)
    const auth = await bearerGuard().verify(myACR)
    expect(() => bearerGuard().authorize(auth, { acrValues: 'myACR-strong' as never })).toThrow(expect.objectContaining(internal))
    // An unknown key (a typo for "scopes") is refused, not dropped: the route would otherwise be open to every scope.
    expect(() => bearerGuard().authorize(auth, { scope: ['admin'] } as never)).toThrow(expect.objectContaining(internal))
    const fresh = requestLike({ token: await exampleToken() })
    for (const options of [{ maxAge: -1 }, { maxAge: 1.5 }, { maxAge: '99999' }]) {
      expect(await refusal(bearerGuard({}, AUTH_TIME + 60).verify(fresh, options as never)), JSON.stringify(options)).toMatchObject(internal)
    }
    // Valid per-call requirements still work after an invalid object was refused.
    await bearerGuard().verify(myACR, { acrValues: ['myACR'] })
  })

  describe('STEPUP-01 the DPoP scheme carries the error when the request used DPoP', () => {
    let key: DPoPKey
    beforeAll(async () => {
      key = await createDPoPKey()
    })

    async function dpopRequest(claims: Record<string, unknown>, now: number): Promise<RequestLike> {
      const token = await exampleToken({ cnf: { jkt: key.thumbprint }, ...claims })
      const proof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat: now })
      return requestLike({ authorization: `DPoP ${token}`, headers: { dpop: proof } })
    }

    it('acr and max_age in the DPoP challenge; the Bearer challenge stays error-free', async () => {
      const now = AUTH_TIME + 60
      const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock(now).now })
      const acr = await verifyRefused(guard.verify(await dpopRequest({ acr: 'low' }, now), { acrValues: ['myACR'] }))
      expect(acr.headers['www-authenticate']).toBe(
        `Bearer realm="api", DPoP error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR", algs="${FAPI2_ALGS}"`,
      )
      const age = await verifyRefused(guard.verify(await dpopRequest({}, now), { maxAge: 5 }))
      expect(age.headers['www-authenticate']).toBe(
        `Bearer realm="api", DPoP error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5", algs="${FAPI2_ALGS}"`,
      )
      const auth: AuthContext = await guard.verify(await dpopRequest({}, now))
      let perRoute: unknown
      try {
        guard.authorize(auth, { maxAge: 5 })
      } catch (error) {
        perRoute = error
      }
      expect(isGuardError(perRoute)).toBe(true)
      expect((perRoute as GuardError).headers['www-authenticate']).toBe(age.headers['www-authenticate'])
    })

    it('a DPoP-only resource puts it in its one DPoP challenge', async () => {
      const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock(ISSUED).now, dpop: { required: true }, acrValues: ['myACR'] })
      const error = await verifyRefused(guard.verify(await dpopRequest({ acr: 'low' }, ISSUED)))
      expect(error.headers['www-authenticate']).toBe(
        `DPoP error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR", algs="${FAPI2_ALGS}"`,
      )
    })
  })
})

describe('step-up option checks', () => {
  const base = { issuer: 'https://as.example.com', audience: RS }
  const create = (extra: Record<string, unknown>) => () => createGuard({ ...base, ...extra } as GuardOptions)

  it('STEPUP-03 maxAge must be a non-negative integer: -1, 1.5 and others are config errors', () => {
    for (const maxAge of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null, true]) {
      expect(create({ maxAge }), String(maxAge)).toThrow(TypeError)
      expect(create({ maxAge }), String(maxAge)).toThrow(/"maxAge"/)
    }
    expect(create({ maxAge: 0 })).not.toThrow()
    expect(create({ maxAge: 300 })).not.toThrow()
  })

  it('acrValues must be a non-empty list of non-empty strings', () => {
    for (const acrValues of [[], [''], [1], 'x'.length, null, {}, ['my ACR'], ['myACR', 'urn:a\tb'], ['ctl\u0000']]) {
      expect(create({ acrValues }), JSON.stringify(acrValues)).toThrow(/"acrValues"/)
    }
    expect(create({ acrValues: ['myACR', 'urn:mace:incommon:iap:silver'] })).not.toThrow()
  })

  it('checkRequirements (per route, for adapters) refuses the same', () => {
    expect(() => checkRequirements({ maxAge: -1 }, 'requireAuthentication()')).toThrow(/requireAuthentication\(\) maxAge/)
    expect(() => checkRequirements({ maxAge: 1.5 }, 'requireAuthentication()')).toThrow(TypeError)
    expect(() => checkRequirements({ acrValues: [] }, 'requireAuthentication()')).toThrow(TypeError)
    expect(() => checkRequirements({ acrValues: 'myACR' as never }, 'requireAuthentication()')).toThrow(/requireAuthentication\(\) acrValues/)
    expect(() => checkRequirements({ acrValues: ['my ACR'] }, 'requireAuthentication()')).toThrow(TypeError)
    expect(checkRequirements({ acrValues: ['myACR'], maxAge: 5 }, 'requireAuthentication()')).toEqual({ acrValues: ['myACR'], maxAge: 5 })
  })
})
