/**
 * Claim requirements (`claimEquals`, `claimIncludes`, `claimCheck`): what each accepts, that a failing
 * or throwing check refuses with 403 `insufficient_scope` (ERR_CLAIM_CHECK_FAILED) naming the
 * requirement, guard-wide and per call both enforced; and the configurable scope claim (`scopeClaim`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { checkRequirements, claimCheck, PROFILE_ALGORITHMS, claimEquals, claimIncludes, type ClaimRequirement, type GuardError, type GuardOptions } from '../../src/index.js'
import { checkClaimRequirements } from '../../src/authorization/claim-requirements.js'
import { readScopes } from '../../src/access-token/check-scopes.js'
import { createGuard } from '../../src/node/index.js'
import { NOW, TestClock, requestLike, expectRefusal } from '../support/kit.js'

const RS = 'https://rs.example.com/'
const CLAIM_FAILED = { status: 403, error: 'insufficient_scope', code: 'ERR_CLAIM_CHECK_FAILED' } as const
const SCOPE_MISSING = { status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' } as const

let local: LocalIssuer

beforeAll(async () => {
  local = await createLocalIssuer({ audience: RS })
})
afterAll(() => local.close())

function mint(claims: Record<string, unknown> = {}): Promise<string> {
  return local.mint(claims, { now: NOW })
}

/** The error `checkClaimRequirements` throws, or `undefined` when every requirement holds. */
function unmet(claims: Record<string, unknown>, ...requirements: ClaimRequirement[]): GuardError | undefined {
  try {
    checkClaimRequirements(claims, requirements)
    return undefined
  } catch (error) {
    return error as GuardError
  }
}

describe('claimEquals', () => {
  it('holds when the claim is exactly the value (===), for strings, numbers and booleans', () => {
    expect(claimEquals('tenant', 'acme').check({ tenant: 'acme' })).toBe(true)
    expect(claimEquals('level', 2).check({ level: 2 })).toBe(true)
    expect(claimEquals('verified', true).check({ verified: true })).toBe(true)
  })

  it('fails for another value, another type, a list holding it, or no claim', () => {
    const requirement = claimEquals('tenant', 'acme')
    for (const tenant of ['ACME', 'acme ', ['acme'], { acme: true }, null, undefined]) {
      expect(requirement.check({ tenant }), JSON.stringify(tenant)).toBe(false)
    }
    expect(claimEquals('level', 2).check({ level: '2' })).toBe(false)
    expect(claimEquals('verified', true).check({ verified: 'true' })).toBe(false)
    expect(claimEquals('tenant', 'acme').check({})).toBe(false)
  })

  it('needs a claim name', () => {
    expect(() => claimEquals('', 'x')).toThrow(TypeError)
    expect(() => claimEquals(42 as never, 'x')).toThrow(TypeError)
  })
})

describe('claimIncludes', () => {
  const requirement = claimIncludes('roles', 'admin', 'ops')

  it('an array claim holding every value', () => {
    expect(requirement.check({ roles: ['ops', 'x', 'admin'] })).toBe(true)
    expect(requirement.check({ roles: ['admin'] })).toBe(false)
    expect(requirement.check({ roles: [] })).toBe(false)
  })

  it('a space-delimited string claim listing every value (whole words only)', () => {
    expect(requirement.check({ roles: 'admin ops' })).toBe(true)
    expect(requirement.check({ roles: 'ops admin billing' })).toBe(true)
    expect(requirement.check({ roles: 'admin' })).toBe(false)
    expect(requirement.check({ roles: 'administrator ops' })).toBe(false)
    expect(requirement.check({ roles: 'admin,ops' })).toBe(false)
  })

  it('anything else fails: no claim, an object, a number', () => {
    for (const roles of [undefined, null, { admin: true, ops: true }, 7]) expect(requirement.check({ roles }), String(roles)).toBe(false)
  })

  it('values are compared by type: a number is not its string form', () => {
    expect(claimIncludes('groups', 1).check({ groups: [1, 2] })).toBe(true)
    expect(claimIncludes('groups', 1).check({ groups: ['1', '2'] })).toBe(false)
    expect(claimIncludes('groups', 1).check({ groups: '1 2' })).toBe(false)
  })

  it('needs a claim name and at least one value', () => {
    expect(() => claimIncludes('roles')).toThrow(TypeError)
    expect(() => claimIncludes('', 'admin')).toThrow(TypeError)
  })
})

describe('claimCheck', () => {
  it('holds only when the check returns true', () => {
    expect(unmet({ a: 1 }, claimCheck((claims) => claims.a === 1))).toBeUndefined()
    expect(unmet({ a: 2 }, claimCheck((claims) => claims.a === 1))?.code).toBe('ERR_CLAIM_CHECK_FAILED')
  })

  it('fails closed: a check that throws, or returns something other than true (1, "yes", a Promise), is not met', () => {
    const throwing = claimCheck(() => {
      throw new Error('boom')
    })
    expect(unmet({}, throwing)?.code).toBe('ERR_CLAIM_CHECK_FAILED')
    for (const result of [1, 'yes', {}, Promise.resolve(true), undefined]) {
      expect(unmet({}, claimCheck(() => result as never))?.code, String(result)).toBe('ERR_CLAIM_CHECK_FAILED')
    }
  })

  it('a check that tries to change the (frozen) claims fails closed', () => {
    const claims = Object.freeze({ role: 'user' })
    const sneaky = claimCheck((c) => {
      ;(c as Record<string, unknown>).role = 'admin'
      return true
    })
    expect(unmet(claims, sneaky)?.code).toBe('ERR_CLAIM_CHECK_FAILED')
    expect(claims.role).toBe('user')
  })

  it('has a default description, or the one given; needs a function', () => {
    expect(claimCheck(() => true).description).toBe('a claim requirement of this resource is not met')
    expect(claimCheck(() => true, 'must be an employee').description).toBe('must be an employee')
    expect(() => claimCheck('claims.a === 1' as never)).toThrow(TypeError)
  })
})

describe('checkClaimRequirements', () => {
  it('names the first requirement not met, as the error description', () => {
    const error = unmet({ tenant: 'acme', roles: 'user' }, claimEquals('tenant', 'acme'), claimIncludes('roles', 'admin'), claimCheck(() => false, 'third'))
    expect(error).toMatchObject({ ...CLAIM_FAILED, description: 'the "roles" claim does not include every required value' })
  })
})

describe('claim requirements through guard.verify and guard.authorize', () => {
  function guardWith(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', dpop: false, clock: new TestClock().now, ...extra })
  }

  it('guard-wide `claims`: met → accepted; not met → 403 insufficient_scope with the requirement as description', async () => {
    const guard = guardWith({ claims: [claimEquals('tenant', 'acme')] })
    await expect(guard.verify(requestLike({ token: await mint({ tenant: 'acme' }) }))).resolves.toMatchObject({ claims: { tenant: 'acme' } })
    const error = await expectRefusal(guard.verify(requestLike({ token: await mint({ tenant: 'other' }) })), {
      ...CLAIM_FAILED,
      // `"` is outside the RFC 6750 error_description charset and becomes `'` in the challenge.
      challenge: `Bearer realm="api", error="insufficient_scope", error_description="the 'tenant' claim does not have the required value"`,
    })
    expect(error.description).toBe('the "tenant" claim does not have the required value')
    expect(error.toJSON()).toEqual({ error: 'insufficient_scope', error_description: 'the "tenant" claim does not have the required value' })
  })

  it('per-call `claims` are enforced, and the guard-wide ones still are', async () => {
    const guard = guardWith({ claims: [claimEquals('tenant', 'acme')] })
    const perCall = { claims: [claimIncludes('roles', 'admin')] }
    await expect(guard.verify(requestLike({ token: await mint({ tenant: 'acme', roles: ['admin'] }) }), perCall)).resolves.toBeDefined()
    const missingRole = await expectRefusal(guard.verify(requestLike({ token: await mint({ tenant: 'acme', roles: ['user'] }) }), perCall), CLAIM_FAILED)
    expect(missingRole.description).toBe('the "roles" claim does not include every required value')
    const wrongTenant = await expectRefusal(guard.verify(requestLike({ token: await mint({ tenant: 'other', roles: ['admin'] }) }), perCall), CLAIM_FAILED)
    expect(wrongTenant.description).toBe('the "tenant" claim does not have the required value')
  })

  it('per route through authorize(auth, { claims }), with the custom description in the challenge', async () => {
    const guard = guardWith()
    const auth = await guard.verify(requestLike({ token: await mint({ department: 'sales' }) }))
    const employee = claimCheck((claims) => claims.department === 'engineering', 'only engineering may call this')
    expect(() => guard.authorize(auth, { claims: [employee] })).toThrow(
      expect.objectContaining({
        ...CLAIM_FAILED,
        description: 'only engineering may call this',
        headers: { 'www-authenticate': 'Bearer realm="api", error="insufficient_scope", error_description="only engineering may call this"' },
      }),
    )
    expect(() => guard.authorize(auth, { claims: [claimEquals('department', 'sales')] })).not.toThrow()
  })

  it('a throwing check refuses with 403 ERR_CLAIM_CHECK_FAILED, never lets the token through or turns into another error', async () => {
    const guard = guardWith({
      claims: [
        claimCheck((claims) => (claims.profile as { tier: string }).tier === 'gold', 'gold tier only'),
      ],
    })
    const error = await expectRefusal(guard.verify(requestLike({ token: await mint() })), CLAIM_FAILED)
    expect(error.description).toBe('gold tier only')
    await expect(guard.verify(requestLike({ token: await mint({ profile: { tier: 'gold' } }) }))).resolves.toBeDefined()
  })

  it('claims are checked after the scopes: missing scopes give insufficient_scope with scope="…" (ERR_INSUFFICIENT_SCOPE)', async () => {
    const guard = guardWith({ scopes: ['accounts:read'], claims: [claimEquals('tenant', 'acme')] })
    await expectRefusal(guard.verify(requestLike({ token: await mint({ tenant: 'other' }) })), {
      ...SCOPE_MISSING,
      challenge: 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a scope this resource needs", scope="accounts:read"',
    })
  })

  it('a DPoP request gets the error in its DPoP challenge', async () => {
    const { createDPoPKey, createDPoPProof } = await import('@fapi-guard/testing')
    const key = await createDPoPKey()
    const token = await mint({ cnf: { jkt: key.thumbprint }, tenant: 'other' })
    const proof = await createDPoPProof({ key, method: 'GET', url: 'https://api.example.test/accounts', accessToken: token, iat: NOW })
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, clock: new TestClock().now, claims: [claimEquals('tenant', 'acme')] })
    await expectRefusal(guard.verify({ method: 'GET', url: 'https://api.example.test/accounts', headers: { authorization: `DPoP ${token}`, dpop: proof } }), {
      ...CLAIM_FAILED,
      challenge: `Bearer realm="api", DPoP error="insufficient_scope", error_description="the 'tenant' claim does not have the required value", algs="${PROFILE_ALGORITHMS.fapi2.join(' ')}"`,
    })
  })
})

describe('readScopes', () => {
  it('default: `scope` split on spaces, else `scp` (array, or a space-delimited string as Azure AD sends); nothing else', () => {
    expect(readScopes({ scope: 'a b  c' })).toEqual(['a', 'b', 'c'])
    expect(readScopes({ scope: 'a', scp: ['b'] })).toEqual(['a'])
    expect(readScopes({ scp: ['a', 'b', 3] })).toEqual(['a', 'b'])
    expect(readScopes({ scp: 'a b' })).toEqual(['a', 'b'])
    expect(readScopes({ permissions: ['a'] })).toEqual([])
  })

  it('a configured claim is the only source: an array or a space-delimited string', () => {
    expect(readScopes({ permissions: ['read:accounts', 7, 'write:accounts'], scope: 'admin' }, 'permissions')).toEqual(['read:accounts', 'write:accounts'])
    expect(readScopes({ scp: 'a b', scope: 'admin' }, 'scp')).toEqual(['a', 'b'])
    expect(readScopes({ scp: ['a', 'b'] }, 'scp')).toEqual(['a', 'b'])
    expect(readScopes({ scope: 'admin' }, 'permissions')).toEqual([])
    expect(readScopes({ permissions: { read: true } }, 'permissions')).toEqual([])
  })
})

describe('scopeClaim through guard.verify', () => {
  function guardWith(extra: Partial<GuardOptions> = {}) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', dpop: false, clock: new TestClock().now, ...extra })
  }

  it("`scopeClaim: 'permissions'` (an array, as Auth0 issues): scopes come from it, never from `scope`", async () => {
    const guard = guardWith({ scopeClaim: 'permissions', scopes: ['read:accounts'] })
    const auth = await guard.verify(requestLike({ token: await mint({ permissions: ['read:accounts', 'write:accounts'], scope: 'openid' }) }))
    expect(auth.scopes).toEqual(['read:accounts', 'write:accounts'])
    await expectRefusal(guard.verify(requestLike({ token: await mint({ scope: 'read:accounts' }) })), {
      ...SCOPE_MISSING,
      challenge: 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a scope this resource needs", scope="read:accounts"',
    })
    // Per call and per route use the same claim.
    await expect(guard.verify(requestLike({ token: await mint({ permissions: ['read:accounts', 'write:accounts'] }) }), { scopes: ['write:accounts'] })).resolves.toBeDefined()
    await expectRefusal(guard.verify(requestLike({ token: await mint({ permissions: ['read:accounts'], scope: 'write:accounts' }) }), { scopes: ['write:accounts'] }), SCOPE_MISSING)
    expect(() => guard.authorize(auth, { scopes: ['delete:accounts'] })).toThrow(expect.objectContaining(SCOPE_MISSING))
    expect(() => guard.requireScopes(auth, ['write:accounts'])).not.toThrow()
  })

  it("`scopeClaim: 'scp'`: scopes come from the `scp` array, never from `scope`", async () => {
    // A space-delimited string `scp` (readScopes reads it, see above) does not get this far in a JWT:
    // the RFC 9068 claim checks refuse an `scp` that is not an array of strings (ERR_JWT_CLAIM_INVALID).
    const guard = guardWith({ scopeClaim: 'scp', scopes: ['Files.Read'] })
    expect((await guard.verify(requestLike({ token: await mint({ scp: ['Files.Read', 'Mail.Send'] }) }))).scopes).toEqual(['Files.Read', 'Mail.Send'])
    await expectRefusal(guard.verify(requestLike({ token: await mint({ scope: 'Files.Read' }) })), SCOPE_MISSING)
    await expectRefusal(guard.verify(requestLike({ token: await mint({ scp: ['Mail.Send'], scope: 'Files.Read' }) })), SCOPE_MISSING)
  })

  it('without scopeClaim: `scope`, else `scp`', async () => {
    const guard = guardWith({ scopes: ['a'] })
    expect((await guard.verify(requestLike({ token: await mint({ scope: 'a b' }) }))).scopes).toEqual(['a', 'b'])
    expect((await guard.verify(requestLike({ token: await mint({ scp: ['a'] }) }))).scopes).toEqual(['a'])
    await expectRefusal(guard.verify(requestLike({ token: await mint({ permissions: ['a'] }) })), SCOPE_MISSING)
  })
})

describe('claims and scopeClaim option checks', () => {
  const create = (extra: Record<string, unknown>) => () => createGuard({ issuer: 'https://as.example.com', audience: RS, ...extra } as GuardOptions)

  it('`claims` must be an array of claim requirements', () => {
    const requirement = claimEquals('a', 'b')
    for (const claims of ['tenant', requirement, [() => true], [{}], [{ check: () => true }], [{ description: 'x' }], [{ description: 1, check: () => true }], [null], 42]) {
      expect(create({ claims }), String(claims)).toThrow(TypeError)
      expect(create({ claims }), String(claims)).toThrow(/"claims"/)
    }
    expect(create({ claims: [] })).not.toThrow()
    expect(create({ claims: [requirement, claimIncludes('r', 'x'), claimCheck(() => true)] })).not.toThrow()
  })

  it('`scopeClaim` must be a non-empty string or a non-empty list of them', () => {
    for (const scopeClaim of ['', 42, null, {}, [], ['scp', '']]) expect(create({ scopeClaim }), String(scopeClaim)).toThrow(/"scopeClaim"/)
    expect(create({ scopeClaim: 'permissions' })).not.toThrow()
  })

  it('checkRequirements (per route) refuses bad or empty claims', () => {
    expect(() => checkRequirements({ claims: [] }, 'requireClaims()')).toThrow(/requireClaims\(\) claims/)
    expect(() => checkRequirements({ claims: [{}] as never }, 'requireClaims()')).toThrow(TypeError)
    expect(() => checkRequirements({ claims: [claimEquals('a', 'b')] }, 'requireClaims()')).not.toThrow()
  })
})
