/**
 * RFC 9728 protected resource metadata (standards.md §8, PRM-01…10, and DPOP-41): where the document
 * is served, what it says (derived from the guard's configuration, per profile), the
 * `resource_metadata` parameter of every challenge, and the checks of the `resource` option.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { metadataLocation, PROFILE_ALGORITHMS, type GuardError, type GuardOptions, type RequestLike } from '../../src/index.js'
import { buildProtectedResourceMetadata } from '../../src/metadata/protected-resource-metadata.js'
import { createGuard } from '../../src/node/index.js'
import { challengeParam, parseChallenges } from '../support/challenge.js'
import { NOW, API, TestClock, requestLike, refusal } from '../support/kit.js'

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as {
  rfc9728_examples: { metadata_response: Record<string, unknown> }
}
const EXAMPLE = vectors.rfc9728_examples.metadata_response

/** RFC 9728 §3 example identifiers and the metadata URLs they give. */
const RESOURCE = 'https://resource.example.com'
const METADATA_URL = 'https://resource.example.com/.well-known/oauth-protected-resource'
const RESOURCE1 = 'https://resource.example.com/resource1'
const METADATA_URL1 = 'https://resource.example.com/.well-known/oauth-protected-resource/resource1'
/** The fapi2 default DPoP algorithms, as the challenge's `algs` lists them. */
const FAPI2_ALGS = [...PROFILE_ALGORITHMS.fapi2]
const ALGS = FAPI2_ALGS.join(' ')
/** FAPI 2.0 §5.4.1 algorithms (EdDSA also by its fully-specified name, RFC 9864). */
const FAPI_ALLOWED = ['PS256', 'ES256', 'EdDSA', 'Ed25519']

/** Every member RFC 9728 §2 defines (PRM-04); the document has no other. */
const RFC9728_MEMBERS = new Set([
  'resource',
  'authorization_servers',
  'jwks_uri',
  'scopes_supported',
  'bearer_methods_supported',
  'resource_signing_alg_values_supported',
  'resource_name',
  'resource_documentation',
  'resource_policy_uri',
  'resource_tos_uri',
  'tls_client_certificate_bound_access_tokens',
  'authorization_details_types_supported',
  'dpop_signing_alg_values_supported',
  'dpop_bound_access_tokens_required',
  'signed_metadata',
])

let local: LocalIssuer

beforeAll(async () => {
  local = await createLocalIssuer()
})
afterAll(() => local.close())

/** PRM-02/PRM-04: the document's shape — known members, right types, no member without a value. */
function expectWellFormed(document: unknown): void {
  expect(document).toBeTypeOf('object')
  const members = document as Record<string, unknown>
  for (const [name, value] of Object.entries(members)) {
    expect(RFC9728_MEMBERS.has(name), `unknown member ${name}`).toBe(true)
    expect(value, name).not.toBeUndefined()
    expect(value, name).not.toBeNull()
    if (Array.isArray(value)) {
      expect(value.length, `${name} must be omitted rather than empty (PRM-02)`).toBeGreaterThan(0)
      for (const item of value) expect(item, name).toBeTypeOf('string')
    } else if (typeof value === 'string') {
      expect(value.length, `${name} must be omitted rather than empty (PRM-02)`).toBeGreaterThan(0)
    } else {
      expect(value, name).toBeTypeOf('boolean')
    }
  }
  expect(members.resource).toBeTypeOf('string')
  expect(Array.isArray(members.authorization_servers)).toBe(true)
  // What is served is what `metadata()` returns: it survives JSON unchanged.
  expect(JSON.parse(JSON.stringify(document))).toEqual(document)
}

describe('metadataLocation (RFC 9728 §3.1)', () => {
  it('PRM-01 an identifier without a path: the well-known path alone, with or without a trailing slash', () => {
    const expected = { url: METADATA_URL, path: '/.well-known/oauth-protected-resource' }
    expect(metadataLocation(RESOURCE)).toEqual(expected)
    expect(metadataLocation(`${RESOURCE}/`)).toEqual(expected)
  })

  it('PRM-01 an identifier with a path: the well-known path inserted between host and path, the terminating slash removed', () => {
    const expected = { url: METADATA_URL1, path: '/.well-known/oauth-protected-resource/resource1' }
    expect(metadataLocation(RESOURCE1)).toEqual(expected)
    expect(metadataLocation(`${RESOURCE1}/`)).toEqual(expected)
    expect(metadataLocation('https://resource.example.com/tenants/a/api')).toEqual({
      url: 'https://resource.example.com/.well-known/oauth-protected-resource/tenants/a/api',
      path: '/.well-known/oauth-protected-resource/tenants/a/api',
    })
  })

  it('PRM-01 keeps a non-default port in the URL (the path a server mounts has none)', () => {
    expect(metadataLocation('https://resource.example.com:8443/r')).toEqual({
      url: 'https://resource.example.com:8443/.well-known/oauth-protected-resource/r',
      path: '/.well-known/oauth-protected-resource/r',
    })
  })
})

describe('buildProtectedResourceMetadata', () => {
  it('PRM-02 leaves out members without a value: no scopes, name, documentation or DPoP algorithms', () => {
    const document = buildProtectedResourceMetadata({
      identifier: RESOURCE,
      name: undefined,
      documentation: undefined,
      scopes: [],
      issuers: ['https://as.example.com'],
      dpopAlgorithms: undefined,
      dpopRequired: false,
      mtls: false,
    })
    expect(document).toEqual({
      resource: RESOURCE,
      authorization_servers: ['https://as.example.com'],
      bearer_methods_supported: ['header'],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: false,
    })
    expect(Object.keys(document)).not.toContain('scopes_supported')
    expectWellFormed(document)
  })
})

describe('guard.metadata()', () => {
  function guardWith(extra: Partial<GuardOptions>) {
    return createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: new TestClock().now, ...extra })
  }

  it('without `resource` there is no document, no path and no resource_metadata', async () => {
    const guard = guardWith({})
    expect(guard.metadata()).toBeUndefined()
    expect(guard.metadataPath).toBeUndefined()
    const error = await refusal(guard.verify(requestLike({ authorization: undefined })))
    expect(error.headers['www-authenticate']).toBe(`Bearer realm="api", DPoP algs="${ALGS}"`)
  })

  it('PRM-01 metadataPath is where the document is mounted, with path insertion', () => {
    expect(guardWith({ resource: { identifier: RESOURCE } }).metadataPath).toBe('/.well-known/oauth-protected-resource')
    expect(guardWith({ resource: { identifier: `${RESOURCE}/` } }).metadataPath).toBe('/.well-known/oauth-protected-resource')
    expect(guardWith({ resource: { identifier: RESOURCE1 } }).metadataPath).toBe('/.well-known/oauth-protected-resource/resource1')
    expect(guardWith({ resource: { identifier: `${RESOURCE1}/` } }).metadataPath).toBe('/.well-known/oauth-protected-resource/resource1')
  })

  it('PRM-03 `resource` is the configured identifier byte for byte (no trailing-slash or case drift)', () => {
    for (const identifier of [RESOURCE, `${RESOURCE}/`, RESOURCE1, `${RESOURCE1}/`, 'https://Resource.Example.com:443/Path/%7Efoo', 'http://127.0.0.1:8080/api']) {
      expect(guardWith({ resource: { identifier } }).metadata()?.resource).toBe(identifier)
    }
  })

  it('PRM-08 no Unicode normalization: an NFC and an NFD identifier are each served as given, and stay different', () => {
    const nfc = 'https://resource.example.com/r\u00e9sum\u00e9'
    const nfd = nfc.normalize('NFD')
    expect(nfd).not.toBe(nfc)
    expect(guardWith({ resource: { identifier: nfc } }).metadata()?.resource).toBe(nfc)
    expect(guardWith({ resource: { identifier: nfd } }).metadata()?.resource).toBe(nfd)
  })

  it('PRM-04/PRM-05 fapi2 defaults: DPoP offered, not required; certificate binding supported; header only', () => {
    const document = guardWith({ resource: { identifier: RESOURCE } }).metadata()
    expect(document).toEqual({
      resource: RESOURCE,
      authorization_servers: [local.issuer],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: FAPI2_ALGS,
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: true,
    })
    expectWellFormed(document)
  })

  it('PRM-04/PRM-05 fapi2 DPoP-only: dpop_bound_access_tokens_required true, certificate binding off', () => {
    const document = guardWith({
      resource: { identifier: RESOURCE1, name: 'Accounts API', documentation: `${RESOURCE}/docs`, scopes: ['accounts:read', 'accounts:write'] },
      dpop: { required: true, algorithms: ['ES256', 'EdDSA'] },
      mtls: false,
    }).metadata()
    expect(document).toEqual({
      resource: RESOURCE1,
      authorization_servers: [local.issuer],
      scopes_supported: ['accounts:read', 'accounts:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Accounts API',
      resource_documentation: `${RESOURCE}/docs`,
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: true,
      tls_client_certificate_bound_access_tokens: false,
    })
    expectWellFormed(document)
  })

  it('PRM-04/PRM-05 fapi1-advanced: PS256 and ES256 only; certificate-bound; with `dpop: false` no DPoP algorithms', () => {
    expect(guardWith({ profile: 'fapi1-advanced', resource: { identifier: RESOURCE } }).metadata()).toEqual({
      resource: RESOURCE,
      authorization_servers: [local.issuer],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: [...PROFILE_ALGORITHMS['fapi1-advanced']],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: true,
    })
    const document = guardWith({ profile: 'fapi1-advanced', dpop: false, resource: { identifier: RESOURCE } }).metadata()
    expect(document).toEqual({
      resource: RESOURCE,
      authorization_servers: [local.issuer],
      bearer_methods_supported: ['header'],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: true,
    })
    expect(document).not.toHaveProperty('dpop_signing_alg_values_supported')
    expectWellFormed(document)
  })

  it('PRM-04/PRM-05 oauth2 with `dpop: false` and `mtls: false`: plain bearer tokens', () => {
    const document = guardWith({ profile: 'oauth2', dpop: false, mtls: false, resource: { identifier: RESOURCE } }).metadata()
    expect(document).toEqual({
      resource: RESOURCE,
      authorization_servers: [local.issuer],
      bearer_methods_supported: ['header'],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: false,
    })
    expectWellFormed(document)
  })

  it('PRM-05 under the FAPI profiles: bearer methods only "header" (never "query"); DPoP algorithms within PS256/ES256/EdDSA (Ed25519)', () => {
    for (const profile of ['fapi2', 'fapi1-advanced'] as const) {
      const document = guardWith({ profile, resource: { identifier: RESOURCE } }).metadata()
      expect(document?.bearer_methods_supported).toEqual(['header'])
      for (const alg of document?.dpop_signing_alg_values_supported ?? []) expect(FAPI_ALLOWED).toContain(alg)
    }
  })

  it('PRM-04 the RFC 9728 example: authorization_servers are the configured issuers, in order; the rest from `resource`', () => {
    const issuers = EXAMPLE.authorization_servers as string[]
    const document = createGuard({
      issuer: issuers,
      audience: RESOURCE,
      resource: {
        identifier: EXAMPLE.resource as string,
        scopes: EXAMPLE.scopes_supported as string[],
        documentation: EXAMPLE.resource_documentation as string,
      },
    }).metadata()
    expect(document).toMatchObject({
      resource: EXAMPLE.resource,
      authorization_servers: EXAMPLE.authorization_servers,
      scopes_supported: EXAMPLE.scopes_supported,
      resource_documentation: EXAMPLE.resource_documentation,
      // Tokens are read from the header only (FAPI2-02, BEARER-06); the example's "body" is never offered.
      bearer_methods_supported: ['header'],
    })
    expectWellFormed(document)
  })

  it('the document a guard hands out cannot be changed by a caller (it is what every adapter serves)', () => {
    const guard = guardWith({ resource: { identifier: RESOURCE, scopes: ['a'] } })
    const document = guard.metadata() as unknown as Record<string, unknown>
    expect(() => {
      document.resource = 'https://evil.example'
    }).toThrow(TypeError)
    expect(() => (document.authorization_servers as string[]).push('https://evil.example')).toThrow(TypeError)
    expect(() => (document.scopes_supported as string[]).push('admin')).toThrow(TypeError)
    expect(guard.metadata()).toEqual(expect.objectContaining({ resource: RESOURCE, authorization_servers: [local.issuer], scopes_supported: ['a'] }))
  })

  it('DPOP-41 dpop_signing_alg_values_supported equals the challenge algs and the proof allow-list', async () => {
    for (const algorithms of [undefined, ['ES256'] as const, ['EdDSA', 'PS256'] as const]) {
      const guard = guardWith({ resource: { identifier: RESOURCE }, ...(algorithms !== undefined && { dpop: { algorithms: [...algorithms] } }) })
      const advertised = guard.metadata()?.dpop_signing_alg_values_supported
      const error = await refusal(guard.verify(requestLike({ authorization: undefined })))
      expect(challengeParam(error.headers['www-authenticate'] as string, 'DPoP', 'algs')?.split(' ')).toEqual(advertised)
      expect(advertised).toEqual(algorithms ?? FAPI2_ALGS)
    }
    // The allow-list is what is advertised: a proof signed with ES256 verifies, one with PS256 does not.
    const guard = guardWith({ resource: { identifier: RESOURCE }, dpop: { algorithms: ['ES256'] } })
    for (const [alg, accepted] of [['ES256', true], ['PS256', false]] as const) {
      const key = await createDPoPKey(alg)
      const token = await local.mint({ cnf: { jkt: key.thumbprint } }, { now: NOW })
      const proof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat: NOW })
      const request = requestLike({ authorization: `DPoP ${token}`, headers: { dpop: proof } })
      if (accepted) await expect(guard.verify(request)).resolves.toMatchObject({ binding: { dpop: { jkt: key.thumbprint } } })
      else expect((await refusal(guard.verify(request))).code).toBe('ERR_DPOP_ALG_NOT_ALLOWED')
    }
  })
})

describe('PRM-07 resource_metadata in WWW-Authenticate', () => {
  function guardWith(extra: Partial<GuardOptions> = {}) {
    return createGuard({
      issuer: local.issuer,
      jwksUri: local.jwksUri,
      audience: local.audience,
      clock: new TestClock().now,
      resource: { identifier: RESOURCE },
      ...extra,
    })
  }

  /** Parameter names of each challenge, and the resource_metadata value of each. */
  function shape(error: GuardError) {
    const challenges = parseChallenges(error.headers['www-authenticate'] as string)
    return challenges.map(({ scheme, params }) => ({ scheme, names: params.map(([name]) => name), metadata: params.find(([name]) => name === 'resource_metadata')?.[1] }))
  }

  it('no credentials: both challenges carry it, and no error (exact)', async () => {
    const error = await refusal(guardWith().verify(requestLike({ authorization: undefined })))
    expect(error.headers['www-authenticate']).toBe(
      `Bearer realm="api", resource_metadata="${METADATA_URL}", DPoP algs="${ALGS}", resource_metadata="${METADATA_URL}"`,
    )
  })

  it('a Bearer request with an error: the Bearer challenge has the error and resource_metadata; the DPoP one resource_metadata', async () => {
    const error = await refusal(guardWith().verify(requestLike({ token: await local.mint({}, { now: NOW }) })))
    expect(error.code).toBe('ERR_TOKEN_NOT_SENDER_CONSTRAINED')
    expect(shape(error)).toEqual([
      { scheme: 'Bearer', names: ['realm', 'error', 'error_description', 'resource_metadata'], metadata: METADATA_URL },
      { scheme: 'DPoP', names: ['algs', 'resource_metadata'], metadata: METADATA_URL },
    ])
  })

  it('a DPoP request with an error: the DPoP challenge has the error and resource_metadata; the Bearer one resource_metadata', async () => {
    const expired = await local.mint({ exp: NOW - 60, iat: NOW - 360 }, { now: NOW })
    const error = await refusal(guardWith().verify(requestLike({ authorization: `DPoP ${expired}` })))
    expect(error.status).toBe(401)
    expect(shape(error)).toEqual([
      { scheme: 'Bearer', names: ['realm', 'resource_metadata'], metadata: METADATA_URL },
      { scheme: 'DPoP', names: ['error', 'error_description', 'algs', 'resource_metadata'], metadata: METADATA_URL },
    ])
  })

  it('a DPoP proof error (invalid_dpop_proof) and a use_dpop_nonce challenge carry it too', async () => {
    const guard = guardWith({ dpop: { nonce: { secret: 'a-nonce-secret-of-at-least-32-bytes!!' } } })
    const key = await createDPoPKey()
    const token = await local.mint({ cnf: { jkt: key.thumbprint } }, { now: NOW })
    const missingNonce = await refusal(
      guard.verify(requestLike({ authorization: `DPoP ${token}`, headers: { dpop: await createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat: NOW }) } })),
    )
    expect(missingNonce.error).toBe('use_dpop_nonce')
    const wrongMethod = await refusal(
      guard.verify(requestLike({ authorization: `DPoP ${token}`, headers: { dpop: await createDPoPProof({ key, method: 'POST', url: API, accessToken: token, iat: NOW }) } })),
    )
    expect(wrongMethod.error).toBe('invalid_dpop_proof')
    for (const error of [missingNonce, wrongMethod]) {
      expect(shape(error).map((challenge) => challenge.metadata)).toEqual([METADATA_URL, METADATA_URL])
      expect(challengeParam(error.headers['www-authenticate'] as string, 'DPoP', 'error')).toBe(error.error)
    }
  })

  it('400 and 403 refusals carry it as well; 503 has no challenge', async () => {
    const malformed = await refusal(guardWith().verify(requestLike({ authorization: 'Bearer a"b' })))
    expect(malformed.status).toBe(400)
    const key = await createDPoPKey()
    const token = await local.mint({ cnf: { jkt: key.thumbprint }, scope: 'a' }, { now: NOW })
    const proof = await createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat: NOW })
    const scope = await refusal(guardWith({ scopes: ['b'] }).verify(requestLike({ authorization: `DPoP ${token}`, headers: { dpop: proof } })))
    expect(scope.status).toBe(403)
    for (const error of [malformed, scope]) expect(shape(error).map((challenge) => challenge.metadata)).toEqual([METADATA_URL, METADATA_URL])
    const down = createGuard({ issuer: local.issuer, jwksUri: 'http://127.0.0.1:1/jwks', audience: local.audience, clock: new TestClock().now, resource: { identifier: RESOURCE } })
    const unavailable = await refusal(down.verify(requestLike({ token: await local.mint({}, { now: NOW }) })))
    expect(unavailable.status).toBe(503)
    expect(unavailable.headers['www-authenticate']).toBeUndefined()
  })

  it('a DPoP-only resource (one challenge) and a Bearer-only resource carry it in their one challenge', async () => {
    const dpopOnly = await refusal(guardWith({ dpop: { required: true } }).verify(requestLike({ authorization: undefined })))
    expect(dpopOnly.headers['www-authenticate']).toBe(`DPoP algs="${ALGS}", resource_metadata="${METADATA_URL}"`)
    const bearerOnly = await refusal(guardWith({ profile: 'oauth2', dpop: false }).verify(requestLike({ authorization: undefined })))
    expect(bearerOnly.headers['www-authenticate']).toBe(`Bearer realm="api", resource_metadata="${METADATA_URL}"`)
    const withError = await refusal(guardWith({ profile: 'oauth2', dpop: false }).verify(requestLike({ token: 'not-a-jwt' })))
    expect(withError.headers['www-authenticate']).toMatch(
      new RegExp(`^Bearer realm="api", error="invalid_token", error_description="[^"]+", resource_metadata="${METADATA_URL.replace(/[.]/g, '\\.')}"$`),
    )
  })

  it('the URL follows path insertion for an identifier with a path', async () => {
    const error = await refusal(guardWith({ resource: { identifier: RESOURCE1 } }).verify(requestLike({ authorization: undefined })))
    expect(shape(error).map((challenge) => challenge.metadata)).toEqual([METADATA_URL1, METADATA_URL1])
  })

  it('without `resource` no challenge carries resource_metadata, with or without an error', async () => {
    const guard = createGuard({ issuer: local.issuer, jwksUri: local.jwksUri, audience: local.audience, clock: new TestClock().now })
    const requests: RequestLike[] = [
      requestLike({ authorization: undefined }),
      requestLike({ token: await local.mint({}, { now: NOW }) }),
      requestLike({ authorization: `DPoP ${await local.mint({}, { now: NOW })}` }),
      requestLike({ authorization: 'Bearer a"b' }),
    ]
    for (const request of requests) {
      const error = await refusal(guard.verify(request))
      expect(error.headers['www-authenticate']).not.toContain('resource_metadata')
    }
  })
})

describe('`resource` option checks', () => {
  const base = { issuer: 'https://as.example.com', audience: 'https://api.example.com' }
  const withResource = (resource: unknown) => () => createGuard({ ...base, resource } as GuardOptions)

  it('the identifier must be https, except on loopback hosts', () => {
    for (const identifier of ['http://resource.example.com', 'http://resource.example.com/api', 'ftp://resource.example.com', 'urn:example:resource']) {
      expect(withResource({ identifier }), identifier).toThrow(TypeError)
      expect(withResource({ identifier }), identifier).toThrow(/resource\.identifier/)
    }
    for (const identifier of ['http://localhost:3000/api', 'http://127.0.0.1:8080', 'http://[::1]/api', 'https://resource.example.com']) {
      expect(withResource({ identifier }), identifier).not.toThrow()
    }
  })

  it('the identifier must be an absolute URL string', () => {
    for (const identifier of [undefined, '', 'resource.example.com', '/api', 42, null, new URL(RESOURCE)]) {
      expect(withResource({ identifier }), String(identifier)).toThrow(TypeError)
    }
  })

  it('the identifier must not have a query or a fragment, not even an empty one', () => {
    for (const identifier of [`${RESOURCE}/?a=b`, `${RESOURCE}?a=b`, `${RESOURCE}/#top`, `${RESOURCE}/?`, `${RESOURCE}/#`, `${RESOURCE1}?`]) {
      expect(withResource({ identifier }), identifier).toThrow(TypeError)
      expect(withResource({ identifier }), identifier).toThrow(/resource\.identifier/)
    }
  })

  it('PRM-03 the identifier must be exactly what clients use: no surrounding whitespace, no characters a URL parser drops or encodes, no userinfo', () => {
    for (const identifier of [` ${RESOURCE}`, `${RESOURCE} `, `${RESOURCE}\n`, `${RESOURCE}/a b`, `${RESOURCE}/a\tb`, 'https://user:secret@resource.example.com/api']) {
      expect(withResource({ identifier }), JSON.stringify(identifier)).toThrow(TypeError)
    }
  })

  it('an unknown member, or `resource` not an object, is refused', () => {
    expect(withResource({ identifier: RESOURCE, jwks_uri: `${RESOURCE}/jwks` })).toThrow(/resource\.jwks_uri/)
    expect(withResource({ identifier: RESOURCE, resource_name: 'x' })).toThrow(/resource\.resource_name/)
    expect(withResource(RESOURCE)).toThrow(TypeError)
    expect(withResource([RESOURCE])).toThrow(TypeError)
    expect(withResource(null)).toThrow(TypeError)
  })

  it('name, documentation and scopes are checked; an empty name or documentation is refused (PRM-02: no zero values)', () => {
    expect(withResource({ identifier: RESOURCE, name: 42 })).toThrow(/resource\.name/)
    expect(withResource({ identifier: RESOURCE, name: '' })).toThrow(/resource\.name/)
    expect(withResource({ identifier: RESOURCE, documentation: 'not a url' })).toThrow(/resource\.documentation/)
    expect(withResource({ identifier: RESOURCE, documentation: '' })).toThrow(/resource\.documentation/)
    expect(withResource({ identifier: RESOURCE, scopes: ['a b'] })).toThrow(/resource\.scopes/)
    expect(withResource({ identifier: RESOURCE, scopes: [''] })).toThrow(/resource\.scopes/)
    expect(withResource({ identifier: RESOURCE, scopes: 'read' })).not.toThrow()
  })

})
