/**
 * RFC 9396 authorization details at the resource server: read from JWT access tokens (§9.1) and
 * introspection answers (§9.2) alike, refused when malformed (401 invalid_token on every route),
 * exposed frozen on `AuthContext.authorizationDetails`; `authorizationDetails` requirements
 * (type, actions, locations, datatypes, privileges, identifier, a `check` given the request) refused with
 * 403 `insufficient_authorization_details` (draft-ietf-oauth-rar-metadata-remediation-00); the
 * RFC 9728 `authorization_details_types_supported`; `readConsentId` for UK, UAE and Brazil shapes.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { defineRequirements } from '../../src/adapter/define-requirements.js'
import { readConsentId, type AuthContext, type AuthorizationDetail, type AuthorizationDetailRequirement, type GuardOptions, type RequestLike } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { TestClock, expectRefusal, invalidToken, requestLike } from '../support/kit.js'

const RS = 'https://rs.example.com/'
const EXAMPLES = (JSON.parse(readFileSync(new URL('../fixtures/rfc9396-examples.json', import.meta.url), 'utf8')) as { examples: Record<string, AuthorizationDetail[]> }).examples
const PAYMENT = EXAMPLES.payment_initiation as AuthorizationDetail[]
/** Our own details (not an RFC example): `identifier` and `privileges` beside `actions` and `locations`. */
const IDENTIFIER_AND_PRIVILEGES: AuthorizationDetail[] = [
  { type: 'account_information', actions: ['read_balances'], locations: ['https://example.com/accounts'], identifier: 'account-14-32-32-3' },
  { type: 'patient_record', locations: ['https://example.com/records'], actions: ['read'], privileges: ['admin'] },
]
const INSUFFICIENT = { status: 403, error: 'insufficient_authorization_details', code: 'ERR_INSUFFICIENT_AUTHORIZATION_DETAILS' } as const
const INVALID = invalidToken('ERR_AUTHORIZATION_DETAILS_INVALID', /error="invalid_token"/)

/** A payment-initiation requirement: amount at most the request's limit header, creditor IBAN as the request names it. */
const PAYMENT_WITHIN_LIMIT: AuthorizationDetailRequirement<RequestLike> = {
  type: 'payment_initiation',
  actions: ['initiate'],
  locations: ['https://example.com/payments'],
  check: (detail, request) => {
    const headers = request.headers as Record<string, string>
    const amount = (detail.instructedAmount as { amount: string }).amount
    return Number(amount) <= Number(headers['x-limit']) && (detail.creditorAccount as { iban: string }).iban === headers['x-creditor-iban']
  },
}

/** Malformed `authorization_details` values, each refused with 401 on a route without requirements. */
const MALFORMED: ReadonlyArray<readonly [string, unknown, RegExp]> = [
  ['an object, not an array', { type: 'payment_initiation' }, /authorization_details is not an array/],
  ['a string', 'payment_initiation', /is not an array/],
  ['null', null, /is not an array/],
  ['a member that is not an object', ['payment_initiation'], /\[0\] is not an object/],
  ['a member that is an array', [[{ type: 'x' }]], /\[0\] is not an object/],
  ['a member without type', [{ actions: ['read'] }], /\[0\]\.type is not a non-empty string/],
  ['an empty type', [{ type: '' }], /\[0\]\.type is not a non-empty string/],
  ['a numeric type', [{ type: 7 }], /\[0\]\.type/],
  ['actions a string', [{ type: 'x', actions: 'read' }], /\[0\]\.actions is not an array of strings/],
  ['actions holding a number', [{ type: 'x', actions: ['read', 1] }], /\[0\]\.actions/],
  ['locations an object', [{ type: 'x' }, { type: 'y', locations: { a: 'https://x' } }], /\[1\]\.locations/],
  ['datatypes a string', [{ type: 'x', datatypes: 'photos' }], /\[0\]\.datatypes/],
  ['privileges holding null', [{ type: 'x', privileges: [null] }], /\[0\]\.privileges/],
  ['identifier an array', [{ type: 'x', identifier: ['account-1'] }], /\[0\]\.identifier is not a string/],
  ['identifier a number', [{ type: 'x', identifier: 42 }], /\[0\]\.identifier is not a string/],
]

let local: LocalIssuer
beforeAll(async () => {
  local = await createLocalIssuer({ audience: RS, introspectionClient: { clientId: 'rs', clientSecret: 'rs secret:1' } })
})
afterAll(() => local.close())

/** A guard over JWTs minted at the test clock's now. */
function jwtGuard(extra: Partial<GuardOptions> = {}) {
  return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', dpop: false, clock: new TestClock().now, ...extra })
}

/** A guard introspecting opaque tokens (the local issuer answers with real time). */
function introspectingGuard(extra: Partial<GuardOptions> = {}) {
  return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: RS, profile: 'oauth2', dpop: false, introspection: { clientId: 'rs', clientSecret: 'rs secret:1', cache: false }, ...extra })
}

const SOURCES = [
  ['JWT', jwtGuard, (claims: Record<string, unknown>) => local.mint(claims, { now: new TestClock().seconds })],
  ['introspection', introspectingGuard, async (claims: Record<string, unknown>) => local.issueOpaque(claims)],
] as const

describe.each(SOURCES)('authorization_details from %s', (_source, makeGuard, issue) => {
  it.each(Object.entries(EXAMPLES))('RFC 9396 example "%s": accepted, exposed frozen as carried', async (_name, details) => {
    const auth = await makeGuard().verify(requestLike({ token: await issue({ authorization_details: details }) }))
    expect(auth.authorizationDetails).toEqual(details)
    expect(Object.isFrozen(auth.authorizationDetails)).toBe(true)
    expect(Object.isFrozen(auth.authorizationDetails?.[0])).toBe(true)
  })

  it('a token without authorization_details has no authorizationDetails', async () => {
    const auth = await makeGuard().verify(requestLike({ token: await issue({ scope: 'read' }) }))
    expect('authorizationDetails' in auth).toBe(false)
  })

  it.each(MALFORMED)('malformed (%s) → 401 invalid_token on a route without requirements; the token is not in the description', async (_name, value, description) => {
    const token = await issue({ authorization_details: value })
    const error = await expectRefusal(makeGuard().verify(requestLike({ token })), { ...INVALID, description })
    expect(error.description).not.toContain(token)
    expect(JSON.stringify(error.toJSON())).not.toContain(token)
  })

  it('a payment within the limit to the named creditor passes; over the limit or to another creditor → 403 insufficient_authorization_details', async () => {
    const guard = makeGuard({ resource: { identifier: 'https://rs.example.com', authorizationDetailsTypes: ['payment_initiation'] } })
    const token = await issue({ authorization_details: PAYMENT })
    const request = (limit: string, iban: string) => requestLike({ token, method: 'POST', headers: { 'x-limit': limit, 'x-creditor-iban': iban } })
    const auth = await guard.verify(request('200', 'DE02100100109307118603'), { authorizationDetails: [PAYMENT_WITHIN_LIMIT] })
    expect(auth.authorizationDetails?.[0]?.type).toBe('payment_initiation')
    for (const refused of [request('100', 'DE02100100109307118603'), request('200', 'DE89370400440532013000')]) {
      await expectRefusal(guard.verify(refused, { authorizationDetails: [PAYMENT_WITHIN_LIMIT] }), {
        ...INSUFFICIENT,
        challenge:
          `Bearer realm="api", error="insufficient_authorization_details", error_description="an authorization detail of type 'payment_initiation' with actions 'initiate', locations 'https://example.com/payments', the route's conditions met is required", resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource"`,
      })
    }
  })
})

describe('authorizationDetails requirements', () => {
  const mint = (claims: Record<string, unknown>) => local.mint(claims, { now: new TestClock().seconds })

  it('met by SOME detail with the type and every listed action, location, datatype, privilege and the identifier', async () => {
    const guard = jwtGuard()
    const token = await mint({ authorization_details: [...(EXAMPLES.common_data_fields as AuthorizationDetail[]), ...IDENTIFIER_AND_PRIVILEGES] })
    const met: AuthorizationDetailRequirement[] = [
      { type: 'customer_information', actions: ['write', 'read'], locations: ['https://example.com/customers'], datatypes: ['photos'] },
      { type: 'account_information', identifier: 'account-14-32-32-3', actions: ['read_balances'] },
      { type: 'patient_record', privileges: ['admin'] },
    ]
    await expect(guard.verify(requestLike({ token }), { authorizationDetails: met })).resolves.toBeDefined()
    const unmet: Array<[AuthorizationDetailRequirement, string]> = [
      [{ type: 'customer_information', actions: ['delete'] }, "an authorization detail of type 'customer_information' with actions 'delete' is required"],
      [{ type: 'customer_information', locations: ['https://example.com/other'] }, "with locations 'https://example.com/other'"],
      [{ type: 'customer_information', datatypes: ['contacts', 'videos'] }, "datatypes 'contacts videos'"],
      [{ type: 'patient_record', privileges: ['root'] }, "privileges 'root'"],
      [{ type: 'account_information', identifier: 'account-1' }, "identifier 'account-1'"],
      [{ type: 'payment_initiation' }, "an authorization detail of type 'payment_initiation' is required"],
      // The actions of one detail and the location of another do not add up to one detail.
      [{ type: 'account_information', actions: ['read_balances'], locations: ['https://example.com/customers'] }, 'account_information'],
    ]
    for (const [requirement, description] of unmet) {
      const error = await expectRefusal(guard.verify(requestLike({ token }), { authorizationDetails: [...met, requirement] }), INSUFFICIENT)
      expect(error.headers['www-authenticate']).toContain(description)
    }
  })

  it('a token without authorization_details fails any requirement; a throwing or non-true check is not met; the description given is used', async () => {
    const guard = jwtGuard()
    const without = await mint({ scope: 'read' })
    await expectRefusal(guard.verify(requestLike({ token: without }), { authorizationDetails: [{ type: 'payment_initiation' }] }), INSUFFICIENT)
    const token = await mint({ authorization_details: PAYMENT })
    for (const check of [() => { throw new Error('boom') }, () => 1 as unknown as boolean, () => 'true' as unknown as boolean]) {
      await expectRefusal(guard.verify(requestLike({ token }), { authorizationDetails: [{ type: 'payment_initiation', check, description: 'the payment is not covered' }] }), {
        ...INSUFFICIENT,
        description: 'the payment is not covered',
      })
    }
  })

  it('guard-wide (option) and per route (authorize with the request) both hold; authorize hands the request to check', async () => {
    const guard = jwtGuard({ authorizationDetails: [{ type: 'payment_initiation', actions: ['initiate'] }] })
    const token = await mint({ authorization_details: PAYMENT })
    const other = await mint({ authorization_details: EXAMPLES.account_information })
    await expectRefusal(guard.verify(requestLike({ token: other })), INSUFFICIENT)
    const auth = await guard.verify(requestLike({ token }))
    const seen: unknown[] = []
    const route = defineRequirements({ authorizationDetails: [{ type: 'payment_initiation', check: (_detail, request) => seen.push(request) > 0 && request === 'the framework request' }] })
    expect(() => guard.authorize(auth, route, 'the framework request')).not.toThrow()
    expect(seen).toEqual(['the framework request'])
    let refused: unknown
    try {
      guard.authorize(auth, route, 'another request')
    } catch (error) {
      refused = error
    }
    expect(refused).toMatchObject({ ...INSUFFICIENT, headers: { 'www-authenticate': expect.stringContaining('error="insufficient_authorization_details"') } })
  })

  it('a requirement that is not { type, … } is a TypeError where it is declared, ERR_INTERNAL per call; never dropped', async () => {
    const bad: unknown[] = [
      [],
      [{}],
      [{ type: '' }],
      [{ type: 'x', action: ['read'] }],
      [{ type: 'x', actions: 'read' }],
      [{ type: 'x', actions: [] }],
      [{ type: 'x', locations: [''] }],
      [{ type: 'x', identifier: '' }],
      [{ type: 'x', check: 'yes' }],
      [{ type: 'x', description: 7 }],
      [null],
      { type: 'x' },
    ]
    for (const authorizationDetails of bad) {
      expect(() => defineRequirements({ authorizationDetails } as never), JSON.stringify(authorizationDetails)).toThrow(TypeError)
      expect(() => jwtGuard({ authorizationDetails } as never), JSON.stringify(authorizationDetails)).toThrow(/option "authorizationDetails/)
      const token = await mint({ authorization_details: PAYMENT })
      await expectRefusal(jwtGuard().verify(requestLike({ token }), { authorizationDetails } as never), { status: 500, error: 'server_error', code: 'ERR_INTERNAL' })
    }
    const defined = defineRequirements({ authorizationDetails: [{ type: 'payment_initiation', actions: ['initiate'] }] })
    expect(Object.isFrozen(defined.authorizationDetails)).toBe(true)
    expect(Object.isFrozen(defined.authorizationDetails?.[0]?.actions)).toBe(true)
  })
})

describe('protected resource metadata', () => {
  it('lists resource.authorizationDetailsTypes as authorization_details_types_supported, and leaves it out otherwise', () => {
    const resource = { identifier: 'https://rs.example.com' }
    expect(jwtGuard({ resource: { ...resource, authorizationDetailsTypes: ['payment_initiation', 'account_information', 'payment_initiation'] } }).metadata()).toMatchObject({
      authorization_details_types_supported: ['payment_initiation', 'account_information'],
    })
    expect(jwtGuard({ resource }).metadata()).not.toHaveProperty('authorization_details_types_supported')
    for (const authorizationDetailsTypes of [[], 'payment_initiation', [''], [3]]) {
      expect(() => jwtGuard({ resource: { ...resource, authorizationDetailsTypes } as never })).toThrow(/resource\.authorizationDetailsTypes/)
    }
  })
})

describe('readConsentId', () => {
  const context = (claims: Record<string, unknown>, extra: Partial<AuthContext> = {}) => ({ claims, scopes: [], ...extra }) as unknown as AuthContext

  it("UK: the openbanking_intent_id claim, before anything else", () => {
    expect(readConsentId(context({ openbanking_intent_id: 'urn-alphabank-intent-58923' }, { authorizationDetails: [{ type: 'x', consent: 'other' }], scopes: ['consent:other'] }))).toBe('urn-alphabank-intent-58923')
  })

  it("UAE: an authorization detail's consent.ConsentId; also consent.consentId, consent.id, or consent a string", () => {
    const uae = { type: 'urn:openfinanceuae:account-access-consent:v1.2', consent: { ConsentId: 'b8f42378-10ec-4e5b-a5a0-6bbd2e3a4a5c', Permissions: ['ReadAccountsBasic'] } }
    expect(readConsentId(context({}, { authorizationDetails: [uae] }))).toBe('b8f42378-10ec-4e5b-a5a0-6bbd2e3a4a5c')
    expect(readConsentId(context({}, { authorizationDetails: [{ type: 'x', consent: { consentId: 'c-1' } }] }))).toBe('c-1')
    expect(readConsentId(context({}, { authorizationDetails: [{ type: 'x', consent: { id: 'c-2' } }] }))).toBe('c-2')
    expect(readConsentId(context({}, { authorizationDetails: [{ type: 'x' }, { type: 'y', consent: 'c-3' }] }))).toBe('c-3')
  })

  it("a detail's identifier when no detail carries consent; then Brazil's consent:<id> scope", () => {
    expect(readConsentId(context({}, { authorizationDetails: [{ type: 'x', identifier: 'account-1' }, { type: 'y', consent: 'c-4' }] }))).toBe('c-4')
    expect(readConsentId(context({}, { authorizationDetails: [{ type: 'x', identifier: 'account-1' }] }))).toBe('account-1')
    expect(readConsentId(context({}, { scopes: ['openid', 'payments', 'consent:urn:bancoex:C1DD33123'] }))).toBe('urn:bancoex:C1DD33123')
  })

  it('undefined when the token carries none (an empty consent: scope or empty values do not count)', () => {
    expect(readConsentId(context({ openbanking_intent_id: '' }, { authorizationDetails: [{ type: 'x', consent: { ConsentId: '' } }], scopes: ['consent:', 'accounts'] }))).toBeUndefined()
  })

  it('on a verified token, from JWT claims', async () => {
    const token = await local.mint({ openbanking_intent_id: 'intent-1' }, { now: new TestClock().seconds })
    expect(readConsentId(await jwtGuard().verify(requestLike({ token })))).toBe('intent-1')
  })
})
