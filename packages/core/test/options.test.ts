import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { GuardOptions } from '../src/index.js'
import { createGuard } from '../src/node/index.js'

const ISSUER = 'https://as.example.com'
const AUDIENCE = 'https://rs.example.com/'
const base: GuardOptions = { issuer: ISSUER, audience: AUDIENCE }

function publicAndPrivateJWK() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { publicJwk: publicKey.export({ format: 'jwk' }), privateJwk: privateKey.export({ format: 'jwk' }) }
}

/** Runs `build`, which must throw a TypeError whose message matches `message`. */
function optionError(build: () => unknown, message: RegExp): TypeError {
  let thrown: unknown
  try {
    build()
  } catch (error) {
    thrown = error
  }
  expect(thrown, 'createGuard should have thrown').toBeInstanceOf(TypeError)
  expect((thrown as TypeError).message).toMatch(message)
  return thrown as TypeError
}

describe('createGuard option validation', () => {
  const create = (options: Record<string, unknown>) => () => createGuard(options as unknown as GuardOptions)

  it('accepts a minimal valid configuration (https issuer, discovery)', () => {
    expect(() => createGuard(base)).not.toThrow()
    expect(() => createGuard({ ...base, profile: 'oauth2', jwksUri: 'http://127.0.0.1:1/jwks' })).not.toThrow()
  })

  it('issuer: refuses a missing, empty, relative or non-URL issuer, and one with a query or fragment', () => {
    optionError(create({ audience: AUDIENCE }), /option "issuer" is required/)
    optionError(create({ ...base, issuer: '' }), /option "issuer"/)
    optionError(create({ ...base, issuer: 'not a url' }), /option "issuer" "not a url" is not an absolute URL/)
    optionError(create({ ...base, issuer: '/relative' }), /option "issuer"/)
    optionError(create({ ...base, issuer: 'https://as.example.com/?tenant=1' }), /option "issuer".*query or fragment/)
    optionError(create({ ...base, issuer: 'https://as.example.com/#x' }), /option "issuer".*query or fragment/)
    optionError(create({ ...base, issuer: [] }), /option "issuer" must not be empty/)
    optionError(create({ ...base, issuer: [ISSUER, ISSUER] }), /option "issuer\[1\]" repeats issuer/)
    optionError(create({ ...base, issuer: [{ issuer: ISSUER, tenant: 'x' }] }), /option "issuer\[0\]\.tenant" is not a known issuer option/)
  })

  it('issuer: discovery over plain http is refused unless the host is loopback', () => {
    optionError(create({ ...base, issuer: 'http://as.example.com' }), /option "issuer".*https/)
    expect(() => createGuard({ ...base, issuer: 'http://127.0.0.1:8080' })).not.toThrow()
    expect(() => createGuard({ ...base, issuer: 'http://localhost:8080' })).not.toThrow()
  })

  it('JOSE-15 jwksUri over plain http on a non-loopback host is a startup error', () => {
    optionError(create({ ...base, jwksUri: 'http://as.example.com/jwks' }), /jwksUri" must use https/)
    optionError(create({ ...base, issuer: [{ issuer: ISSUER, jwksUri: 'http://10.0.0.1/jwks' }] }), /option "issuer\[0\]\.jwksUri" must use https/)
    optionError(create({ ...base, jwksUri: 'ftp://as.example.com/jwks' }), /jwksUri" must use https/)
    optionError(create({ ...base, jwksUri: 'jwks.json' }), /jwksUri" is not an absolute URL/)
    expect(() => createGuard({ ...base, jwksUri: 'https://as.example.com/jwks' })).not.toThrow()
  })

  it('jwksUri / jwks: top-level keys apply to a single issuer only, and not both at once', () => {
    const { publicJwk } = publicAndPrivateJWK()
    optionError(create({ ...base, issuer: [ISSUER, 'https://as2.example.com'], jwksUri: 'https://as.example.com/jwks' }), /option "jwksUri" applies to a single issuer/)
    optionError(create({ ...base, jwksUri: 'https://as.example.com/jwks', jwks: { keys: [publicJwk] } }), /takes "jwksUri" or "jwks", not both/)
  })

  it('audience: refuses a missing, empty or non-string audience', () => {
    optionError(create({ issuer: ISSUER }), /option "audience"/)
    optionError(create({ ...base, audience: '' }), /option "audience" must contain only non-empty strings/)
    optionError(create({ ...base, audience: [] }), /option "audience" must not be empty/)
    optionError(create({ ...base, audience: ['ok', 7] }), /option "audience"/)
  })

  it('profile: refuses an unknown profile', () => {
    optionError(create({ ...base, profile: 'fapi3' }), /option "profile" must be one of fapi2, fapi1-advanced, oauth2/)
    optionError(create({ ...base, profile: 'FAPI2' }), /option "profile"/)
  })

  it('JWTAT-11 algorithms: RS256 is refused under fapi2 and fapi1-advanced, allowed under oauth2', () => {
    optionError(create({ ...base, algorithms: ['RS256'] }), /option "algorithms" has "RS256", which profile "fapi2" does not allow/)
    optionError(create({ ...base, profile: 'fapi1-advanced', algorithms: ['EdDSA'] }), /option "algorithms" has "EdDSA"/)
    expect(() => createGuard({ ...base, profile: 'oauth2', algorithms: ['RS256'] })).not.toThrow()
  })

  it('JOSE-03 no option admits "none" or an HMAC algorithm, in any profile', () => {
    for (const profile of ['fapi2', 'fapi1-advanced', 'oauth2']) {
      for (const alg of ['none', 'HS256', 'NONE']) {
        optionError(create({ ...base, profile, algorithms: [alg] }), /option "algorithms" has/)
        optionError(create({ ...base, profile, dpop: { algorithms: [alg] } }), /option "dpop\.algorithms" has/)
      }
    }
    optionError(create({ ...base, algorithms: [] }), /option "algorithms" must not be empty/)
  })

  it('A36 clockTolerance: NaN, Infinity, negative or a string are startup errors, never a silent default', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, '5', null]) {
      optionError(create({ ...base, clockTolerance: value }), /option "clockTolerance" must be a finite number/)
    }
    expect(() => createGuard({ ...base, clockTolerance: 0 })).not.toThrow()
  })

  it('A36 other numeric and function options refuse garbage', () => {
    optionError(create({ ...base, maxTokenLifetime: Number.NaN }), /option "maxTokenLifetime"/)
    optionError(create({ ...base, maxTokenLifetime: 0 }), /option "maxTokenLifetime"/)
    optionError(create({ ...base, maxTokenLength: 1.5 }), /option "maxTokenLength" must be a finite integer/)
    optionError(create({ ...base, jwksCooldown: Number.POSITIVE_INFINITY }), /option "jwksCooldown"/)
    optionError(create({ ...base, jwksCacheMaxAge: -5 }), /option "jwksCacheMaxAge"/)
    optionError(create({ ...base, httpTimeout: 0 }), /option "httpTimeout"/)
    optionError(create({ ...base, clock: 1_700_000_000_000 }), /option "clock" must be a function/)
    optionError(create({ ...base, fetch: 'fetch' }), /option "fetch" must be a function/)
    optionError(create({ ...base, errorDescriptions: 'no' }), /option "errorDescriptions" must be a boolean/)
  })

  it('refuses unknown option names, at the top level and inside dpop / mtls', () => {
    optionError(create({ ...base, audiance: AUDIENCE }), /option "audiance" is not a known option/)
    optionError(create({ ...base, clockSkew: 60 }), /option "clockSkew" is not a known option/)
    optionError(create({ ...base, dpop: { requred: true } }), /option "dpop\.requred" is not a known option/)
    optionError(create({ ...base, mtls: { optional: true } }), /option "mtls\.optional" is not a known option/)
    optionError(create({ ...base, dpop: 'yes' }), /option "dpop" must be false or an options object/)
  })

  it('A16 jwks: a key set with private or secret key members is refused at startup', () => {
    const { publicJwk, privateJwk } = publicAndPrivateJWK()
    optionError(create({ ...base, jwks: { keys: [publicJwk, privateJwk] } }), /jwks" contains a private or secret key member "d"/)
    optionError(create({ ...base, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }), /jwks" contains a private or secret key member "k"/)
    optionError(create({ ...base, jwks: { keys: [{ ...publicJwk, p: 'AA' }] } }), /member "p"/)
    optionError(create({ ...base, jwks: { keys: 'x' } }), /jwks" must be a JSON Web Key Set/)
    optionError(create({ ...base, jwks: { keys: [{ x: 'no kty' }] } }), /jwks" must contain only JWK objects with a "kty"/)
    expect(() => createGuard({ ...base, jwks: { keys: [publicJwk] } })).not.toThrow()
  })

  it('tokenTypes: "jwt" is refused under fapi2 and fapi1-advanced; "at+jwt" is always required', () => {
    optionError(create({ ...base, tokenTypes: ['jwt'] }), /option "tokenTypes" may include "jwt" only under profile "oauth2"/)
    optionError(create({ ...base, tokenTypes: ['at+jwt', 'jwt'] }), /option "tokenTypes" may include "jwt" only/)
    optionError(create({ ...base, profile: 'fapi1-advanced', tokenTypes: ['at+jwt', 'jwt'] }), /option "tokenTypes"/)
    optionError(create({ ...base, profile: 'oauth2', tokenTypes: ['jwt'] }), /option "tokenTypes" must include "at\+jwt"/)
    optionError(create({ ...base, profile: 'oauth2', tokenTypes: ['id+jwt'] }), /option "tokenTypes" has "id\+jwt"/)
    expect(() => createGuard({ ...base, profile: 'oauth2', tokenTypes: ['at+jwt', 'jwt'] })).not.toThrow()
  })

  it('ERR-10 realm and scopes must stay inside the challenge character sets', () => {
    optionError(create({ ...base, realm: 'café' }), /option "realm" must be a string of printable ASCII/)
    optionError(create({ ...base, realm: 'a\r\nb' }), /option "realm"/)
    optionError(create({ ...base, scopes: ['read write'] }), /option "scopes" has "read write", which is not a valid scope token/)
    optionError(create({ ...base, scopes: ['say"hi"'] }), /option "scopes"/)
    optionError(create({ ...base, scopes: ['naïve'] }), /option "scopes"/)
  })

  it('mtls / dpop: contradictory requirements are refused', () => {
    optionError(create({ ...base, dpop: { required: true }, mtls: { required: true } }), /option "dpop\.required" and "mtls\.required" cannot both be true/)
    optionError(create({ ...base, profile: 'fapi1-advanced', mtls: false }), /option "mtls" cannot be false under profile "fapi1-advanced"/)
    optionError(create({ ...base, dpop: { required: 'yes' } }), /option "dpop\.required" must be a boolean/)
  })

  it('refuses something that is not an options object', () => {
    optionError(() => createGuard(undefined as unknown as GuardOptions), /options must be an object/)
    optionError(() => createGuard([] as unknown as GuardOptions), /options must be an object/)
  })
})
