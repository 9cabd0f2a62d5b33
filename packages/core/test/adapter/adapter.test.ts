/**
 * `@fapi-guard/core/adapter`: the policy every adapter copies — the refusal answer, the RFC 9728
 * metadata answer, per-route requirement definition, and `authorize` keyed on the AuthContext.
 * The adapters' parity on real servers is the contract suite's (test/contract).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { claimEquals, createGuard, GuardError, toResponse, type AuthContext, type Guard } from '../../src/node/index.js'
import {
  authorize,
  defineAuthentication,
  defineClaims,
  defineRequirements,
  defineScopes,
  isMissingCredentials,
  metadataResponse,
  passedRefusal,
  passWithoutCredentials,
  refusalResponse,
} from '../../src/node/adapter.js'
import { expectRefusal, NOW, requestLike, TestClock } from '../support/kit.js'

const RESOURCE = 'https://api.example.test/v1'
const METADATA_PATH = '/.well-known/oauth-protected-resource/v1'

let local: LocalIssuer
let guard: Guard
beforeAll(async () => {
  local = await createLocalIssuer()
  // oauth2: a bearer token is enough, so an AuthContext is one mint away.
  guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, profile: 'oauth2', clock: new TestClock().now, resource: { identifier: RESOURCE } })
})
afterAll(() => local.close())

const verified = async (claims: Record<string, unknown> = {}): Promise<AuthContext> =>
  guard.verify(requestLike({ token: await local.mint({ iat: NOW - 10, exp: NOW + 600, ...claims }) }))

describe('refusalResponse', () => {
  it('copies the challenge and adds content-type and cache-control: no-store; toResponse answers the same', async () => {
    const error = await expectRefusal(guard.verify(requestLike({ token: 'garbage' })), { status: 401, error: 'invalid_token', code: 'ERR_TOKEN_MALFORMED' })
    const answer = refusalResponse(guard, error)
    expect(answer).toEqual({
      status: 401,
      headers: { ...error.headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify(error.toJSON()),
    })
    const response = toResponse(error)
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      headers[name] = value
    })
    expect([response.status, headers, await response.text()]).toEqual([answer.status, answer.headers, answer.body])
  })

  it('answers any other error as the server fault it is (500 server_error, no-store), with no cause or message of it (fail closed)', () => {
    const answer = refusalResponse(guard, new Error('secret detail'))
    expect(answer.status).toBe(500)
    expect(answer.headers['cache-control']).toBe('no-store')
    expect(answer.headers).not.toHaveProperty('www-authenticate')
    expect(JSON.parse(answer.body)).toEqual({ error: 'server_error', error_description: 'the request could not be checked' })
    expect(answer.body).not.toContain('secret detail')
  })
  it('without a guard: a refusal keeps the challenge it was given; anything else is ERR_INTERNAL, never a bad token', async () => {
    const error = await expectRefusal(guard.verify(requestLike({ token: 'garbage' })), { status: 401, error: 'invalid_token', code: 'ERR_TOKEN_MALFORMED' })
    expect(refusalResponse(undefined, error)).toEqual(refusalResponse(guard, error))
    const other = refusalResponse(undefined, new Error('secret detail'))
    expect(other.status).toBe(500)
    expect(JSON.parse(other.body)).toEqual({ error: 'server_error', error_description: 'the request could not be checked' })
    expect(other.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' })
  })
})

describe('metadataResponse', () => {
  it.each([
    ['GET', METADATA_PATH],
    ['HEAD', METADATA_PATH],
    ['GET', `${METADATA_PATH}?x=1`],
    ['GET', `https://api.example.test${METADATA_PATH}`],
  ])('%s %s → the document, public and cacheable', (method, url) => {
    expect(metadataResponse(guard, { method, url })).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' },
      body: JSON.stringify(guard.metadata()),
    })
  })

  it.each([
    ['POST', METADATA_PATH],
    ['GET', `${METADATA_PATH}/`],
    ['GET', '/.well-known/oauth-protected-resource'],
    ['GET', 'not a url'],
  ])('%s %s → undefined (the adapter verifies the request)', (method, url) => {
    expect(metadataResponse(guard, { method, url })).toBeUndefined()
  })

  it('undefined for every request when the guard has no resource', () => {
    const plain = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience })
    expect(metadataResponse(plain, { method: 'GET', url: METADATA_PATH })).toBeUndefined()
  })
})

describe('requirement definitions', () => {
  it('return frozen requirements with only the members given, scopes without repeats', () => {
    const tenant = claimEquals('tenant', 'acme')
    expect(defineScopes(['a', 'b', 'a'])).toEqual({ scopes: ['a', 'b'] })
    expect(defineAuthentication({ maxAge: 60 })).toEqual({ maxAge: 60 })
    expect(defineClaims([tenant])).toEqual({ claims: [tenant] })
    const all = defineRequirements({ scopes: ['a'], acrValues: ['gold'], maxAge: 0, claims: [tenant] })
    expect(Object.isFrozen(all) && Object.isFrozen(all.scopes)).toBe(true)
  })

  it.each([
    [() => defineScopes([]), 'fapi-guard: option "requireScopes() scopes" must name at least one scope'],
    [() => defineScopes(['a b'], '@Scopes()'), /"@Scopes\(\) scopes"/],
    [() => defineAuthentication({}), 'fapi-guard: requireAuthentication() needs "acrValues" or "maxAge"'],
    [() => defineAuthentication(undefined as never, '@RequireAuthentication()'), 'fapi-guard: @RequireAuthentication() needs "acrValues" or "maxAge"'],
    [() => defineAuthentication({ maxAge: -1 }), /"requireAuthentication\(\) maxAge"/],
    [() => defineClaims([{} as never]), /"requireClaims\(\) claims" must contain only claim requirements/],
    [() => defineRequirements({}), 'fapi-guard: requirements names no requirement (scopes, acrValues, maxAge, claims or authorizationDetails)'],
  ])('a mistake is a TypeError naming where: %#', (define, message) => {
    expect(define).toThrow(TypeError)
    expect(define).toThrow(message)
  })
})

describe('authorize', () => {
  it('checks the requirements with the guard that verified the AuthContext', async () => {
    const auth = await verified({ scope: 'accounts:read' })
    expect(() => authorize(auth, defineScopes(['accounts:read']))).not.toThrow()
    const refusal = (() => {
      try {
        authorize(auth, defineScopes(['payments']))
      } catch (error) {
        return error as GuardError
      }
      return undefined
    })()
    expect(refusal).toBeInstanceOf(GuardError)
    expect([refusal?.status, refusal?.headers['www-authenticate']]).toEqual([403, expect.stringContaining('scope="payments"')])
  })

  it('an AuthContext no guard made is a TypeError, not a refusal', async () => {
    const copy = { ...(await verified()) }
    expect(() => authorize(copy, defineScopes(['a']))).toThrow(new TypeError('fapi-guard: authorize() takes an AuthContext that guard.verify() returned'))
    expect(() => authorize(undefined as never, defineScopes(['a']))).toThrow(TypeError)
  })
})

describe('passWithoutCredentials', () => {
  it('keeps the refusal for the request it was recorded for', async () => {
    const refusal = await expectRefusal(guard.verify({ method: 'GET', url: RESOURCE, headers: {} }), { status: 401, error: undefined, code: 'ERR_NO_CREDENTIALS' })
    expect(isMissingCredentials(refusal)).toBe(true)
    const request = {}
    expect(passedRefusal(request)).toBeUndefined()
    passWithoutCredentials(request, refusal)
    expect(passedRefusal(request)).toBe(refusal)
  })
})
