/**
 * Vendor presets: each vendor's access token, shaped as its documentation shows it (header and claims;
 * times moved to now, names shortened), signed with a real RSA key. With the preset the guard accepts
 * it and fills `clientId` and `scopes` from the vendor's claims; under the default profile the same
 * token is refused with the usual answer, and the refusal's `cause` (operators only) names the preset.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { claimIncludes, createGuard, presets, type GuardOptions } from '../../src/index.js'
import { refusal } from '../support/kit.js'

const NOW = 1_767_225_600 // 2026-01-01T00:00:00Z
const clock = (): number => NOW * 1000
const KID = 'vendor-key-1'

let privateKey: CryptoKey
let publicJwk: JWK

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { modulusLength: 2048 })
  privateKey = pair.privateKey
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' }
})

/** Signs `claims` under exactly `header` (plus `alg` and `kid`): no `typ` unless the vendor sends one. */
async function sign(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID, ...header }).sign(privateKey)
}

function request(token: string): Request {
  return new Request('https://api.example.com/orders', { headers: { authorization: `Bearer ${token}` } })
}

function guardFor(options: Omit<GuardOptions, 'jwks' | 'clock'>) {
  return createGuard({ ...options, jwks: { keys: [publicJwk] }, clock })
}

/** What the default profile answers a vendor token (typ `JWT` or none): the client sees only RFC 9068's rule. */
async function expectRefusedByDefault(token: string, issuer: string, audience: string, preset: string): Promise<void> {
  const error = await refusal(guardFor({ issuer, audience }).verify(request(token)))
  expect(error.status).toBe(401)
  expect(error.code).toBe('ERR_JWT_TYP_INVALID')
  expect(error.toJSON()).toEqual({ error: 'invalid_token', error_description: 'the JWS header "typ" is not "at+jwt"' })
  expect(JSON.stringify(error.toJSON())).not.toContain('preset')
  expect(error.headers['www-authenticate']).not.toContain('preset')
  expect((error.cause as Error).message).toContain(`presets.${preset}`)
  expect((error.cause as Error).message).toContain('tokenTypes: ["at+jwt", "jwt"]')
}

describe('presets.keycloak', () => {
  // Keycloak's access token: header `typ: JWT`, payload `typ: Bearer`, `azp` the client, `scope` a string,
  // `aud` naming the API through an Audience mapper (Keycloak Server Administration Guide, "Audience support",
  // https://www.keycloak.org/docs/latest/server_admin/#audience-support); issuer `/realms/<realm>`
  // (https://www.keycloak.org/securing-apps/oidc-layers, "Available endpoints").
  const issuer = 'https://sso.example.com/realms/acme'
  const claims = {
    exp: NOW + 300,
    iat: NOW,
    jti: 'd58f5dc8-fd8f-462b-8a19-716f8f83985b',
    iss: issuer,
    aud: ['orders-api', 'account'],
    sub: '36fa0f91-f94d-4a0c-afed-6b7d952e47da',
    typ: 'Bearer',
    azp: 'web-shop',
    session_state: '2a88c258-f73a-4103-b862-e1fbd8f4e04e',
    acr: '1',
    'allowed-origins': ['https://shop.example.com'],
    realm_access: { roles: ['offline_access', 'uma_authorization'] },
    resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
    scope: 'openid email profile orders:read',
    sid: '2a88c258-f73a-4103-b862-e1fbd8f4e04e',
    email_verified: true,
    preferred_username: 'jane',
  }

  it('accepts the token; clientId from azp, scopes from scope', async () => {
    const token = await sign({ typ: 'JWT' }, claims)
    const auth = await guardFor({ ...presets.keycloak, issuer, audience: 'orders-api' }).verify(request(token), { scopes: ['orders:read'] })
    expect(auth.clientId).toBe('web-shop')
    expect(auth.subject).toBe('36fa0f91-f94d-4a0c-afed-6b7d952e47da')
    expect(auth.scopes).toEqual(['openid', 'email', 'profile', 'orders:read'])
  })

  it('is refused under the default profile; the cause names presets.keycloak', async () => {
    await expectRefusedByDefault(await sign({ typ: 'JWT' }, claims), issuer, 'orders-api', 'keycloak')
  })

  it('still checks aud: a token whose aud is only "account" (no Audience mapper) is refused', async () => {
    const token = await sign({ typ: 'JWT' }, { ...claims, aud: 'account' })
    const error = await refusal(guardFor({ ...presets.keycloak, issuer, audience: 'orders-api' }).verify(request(token)))
    expect(error.code).toBe('ERR_JWT_AUDIENCE_INVALID')
  })
})

describe('presets.auth0', () => {
  // Auth0 "Access Token Profiles" (https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles):
  // the Auth0 profile sample (`azp`, `aud` with the /userinfo URL, no `jti`/`client_id`), header `typ: JWT`;
  // the RFC 9068 profile sample (`client_id`, `jti`), header `typ: at+jwt`. RBAC adds `permissions`
  // (https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis). Issuer with its trailing slash.
  const issuer = 'https://my-domain.auth0.com/'
  const audience = 'https://example.com/health-api'
  const auth0Profile = {
    iss: issuer,
    sub: 'auth0|123456',
    aud: [audience, 'https://my-domain.auth0.com/userinfo'],
    azp: 'my_client_id',
    exp: NOW + 300,
    iat: NOW,
    scope: 'openid profile read:patients read:admin',
    permissions: ['read:patients', 'read:admin'],
    my_custom_claim: 'my_custom_value',
  }
  const rfc9068Profile = {
    iss: issuer,
    sub: 'auth0|123456',
    aud: [audience, 'https://my-domain.auth0.com/userinfo'],
    client_id: 'my_client_id',
    exp: NOW + 300,
    iat: NOW,
    jti: '73WakrfVbNJBaAmhQtEeDv',
    scope: 'openid profile read:patients read:admin',
    my_custom_claim: 'my_custom_value',
  }

  it('accepts the Auth0-profile token (typ JWT); clientId from azp, scopes from scope', async () => {
    const token = await sign({ typ: 'JWT' }, auth0Profile)
    const auth = await guardFor({ ...presets.auth0, issuer, audience }).verify(request(token), { scopes: ['read:patients'] })
    expect(auth.clientId).toBe('my_client_id')
    expect(auth.scopes).toEqual(['openid', 'profile', 'read:patients', 'read:admin'])
  })

  it('accepts the RFC 9068-profile token (typ at+jwt); clientId from client_id', async () => {
    const token = await sign({ typ: 'at+jwt' }, rfc9068Profile)
    const auth = await guardFor({ ...presets.auth0, issuer, audience }).verify(request(token))
    expect(auth.clientId).toBe('my_client_id')
  })

  it('RBAC: spread, then scopeClaim "permissions"', async () => {
    const token = await sign({ typ: 'JWT' }, auth0Profile)
    const auth = await guardFor({ ...presets.auth0, scopeClaim: 'permissions', issuer, audience }).verify(request(token))
    expect(auth.scopes).toEqual(['read:patients', 'read:admin'])
  })

  it('is refused under the default profile; the cause names presets.auth0', async () => {
    await expectRefusedByDefault(await sign({ typ: 'JWT' }, auth0Profile), issuer, audience, 'auth0')
  })
})

describe('presets.entra', () => {
  // Microsoft identity platform "Access token claims reference"
  // (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference): header
  // `typ` "always JWT" with `x5t`; v2.0 `aud` the API's client id, `azp` the client, `scp` space-delimited
  // (delegated), `roles` an array (application permissions), `ver` "2.0", `uti` in place of `jti`, no `client_id`.
  const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47'
  const issuer = `https://login.microsoftonline.com/${tenant}/v2.0`
  const audience = '6e74172b-be56-4843-9ff4-e66a39bb12e3'
  const delegated = {
    aud: audience,
    iss: issuer,
    iat: NOW,
    nbf: NOW,
    exp: NOW + 3600,
    aio: 'AXQAi/8IAAAAtAaZLo3ChMif6KOnttRB7eBq4/DccQzjcJGxPYy/C3jDaNGxXd6wNIIVGRghNRnwJ1lOcAnNZcjvkoyrFxCttv33140RioOFJ4bCCGVuoCag1uOTT22222gHwLPYQ/uf79QX+0KIijdrmp69RctzmQ==',
    azp: 'a5a7f2c8-6c1e-4b67-9fa0-d1e7b8a3c2d1',
    azpacr: '0',
    name: 'Abe Lincoln',
    oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
    preferred_username: 'abeli@microsoft.com',
    rh: 'I',
    scp: 'access_as_user Orders.Read',
    sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
    tid: tenant,
    uti: 'fqiBqXLPj0eQa82S-IYFAA',
    ver: '2.0',
  }
  const header = { typ: 'JWT', x5t: 'i6lGk3FZzxRcUb2C3nEQ7syHJlY' }

  it('accepts a delegated token; clientId from azp, scopes from scp (roles of the user are not scopes)', async () => {
    const token = await sign(header, { ...delegated, roles: ['Orders.Admin'] })
    const auth = await guardFor({ ...presets.entra, issuer, audience }).verify(request(token), { scopes: ['Orders.Read'] })
    expect(auth.clientId).toBe('a5a7f2c8-6c1e-4b67-9fa0-d1e7b8a3c2d1')
    expect(auth.scopes).toEqual(['access_as_user', 'Orders.Read'])
  })

  it('accepts an app-only token (client credentials: no scp); scopes from roles', async () => {
    const { scp: _scp, name: _name, preferred_username: _upn, ...appOnly } = delegated
    const token = await sign(header, { ...appOnly, azpacr: '1', roles: ['Orders.Read.All'], sub: appOnly.oid })
    const auth = await guardFor({ ...presets.entra, issuer, audience }).verify(request(token), { scopes: ['Orders.Read.All'] })
    expect(auth.clientId).toBe('a5a7f2c8-6c1e-4b67-9fa0-d1e7b8a3c2d1')
    expect(auth.scopes).toEqual(['Orders.Read.All'])
  })

  it('reads appid (v1.0 tokens) when there is no azp', async () => {
    const { azp: _azp, ...v1 } = delegated
    const token = await sign(header, { ...v1, appid: 'a5a7f2c8-6c1e-4b67-9fa0-d1e7b8a3c2d1' })
    expect((await guardFor({ ...presets.entra, issuer, audience }).verify(request(token))).clientId).toBe('a5a7f2c8-6c1e-4b67-9fa0-d1e7b8a3c2d1')
  })

  it('is refused under the default profile; the cause names presets.entra', async () => {
    await expectRefusedByDefault(await sign(header, delegated), issuer, audience, 'entra')
  })
})

describe('presets.okta', () => {
  // Okta "OpenID Connect & OAuth 2.0 API", access token sample
  // (https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/): header `alg` and `kid`
  // only (no `typ`); `ver`, `jti` "AT.…", `cid` the client, `uid`, `scp` an array; custom authorization
  // server issuer `https://{yourOktaDomain}/oauth2/default`, audience `api://default`.
  const issuer = 'https://dev-123456.okta.com/oauth2/default'
  const audience = 'api://default'
  const claims = {
    ver: 1,
    jti: 'AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE',
    iss: issuer,
    aud: audience,
    sub: '00ujmkLgagxeRrAg20g3',
    iat: NOW,
    exp: NOW + 3600,
    cid: 'nmdP1fcyvdVO11AL7ECm',
    uid: '00ujmkLgagxeRrAg20g3',
    scp: ['openid', 'email', 'flights', 'custom'],
    custom_claim: 'CustomValue',
  }

  it('accepts the token; clientId from cid, scopes from the scp array', async () => {
    const token = await sign({}, claims)
    const auth = await guardFor({ ...presets.okta, issuer, audience }).verify(request(token), { scopes: ['flights'] })
    expect(auth.clientId).toBe('nmdP1fcyvdVO11AL7ECm')
    expect(auth.scopes).toEqual(['openid', 'email', 'flights', 'custom'])
  })

  it('is refused under the default profile (no typ); the cause names presets.okta', async () => {
    await expectRefusedByDefault(await sign({}, claims), issuer, audience, 'okta')
  })
})

describe('presets.cognito', () => {
  // Amazon Cognito "Understanding the access token"
  // (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html):
  // header `kid` and `alg` RS256 only; no `aud`; `client_id` the app client, `token_use` "access", `scope`
  // space-delimited; issuer `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`. The ID token has
  // `aud` = the app client and `token_use` "id"
  // (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html).
  const issuer = 'https://cognito-idp.us-west-2.amazonaws.com/us-west-2_example'
  const appClient = '57cbishk4j24pabc1234567890'
  const claims = {
    sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    device_key: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    'cognito:groups': ['admin'],
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin orders/read',
    auth_time: NOW - 60,
    iss: issuer,
    exp: NOW + 3600,
    iat: NOW,
    origin_jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    event_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    client_id: appClient,
    username: 'my-test-user',
  }

  it('accepts the token (no aud): audience is the app client, matched against client_id', async () => {
    const token = await sign({}, claims)
    const auth = await guardFor({ ...presets.cognito, issuer, audience: appClient }).verify(request(token), { scopes: ['orders/read'] })
    expect(auth.clientId).toBe(appClient)
    expect(auth.scopes).toEqual(['aws.cognito.signin.user.admin', 'orders/read'])
  })

  it('keeps claim requirements of your own apart (the preset sets no "claims")', async () => {
    const token = await sign({}, claims)
    const guard = guardFor({ ...presets.cognito, issuer, audience: appClient, claims: [claimIncludes('cognito:groups', 'admin')] })
    expect((await guard.verify(request(token))).clientId).toBe(appClient)
  })

  it('refuses another app client, a token_use other than access, and the ID token', async () => {
    const guard = guardFor({ ...presets.cognito, issuer, audience: appClient })
    const other = await refusal(guard.verify(request(await sign({}, { ...claims, client_id: 'another-app-client' }))))
    expect(other.code).toBe('ERR_JWT_AUDIENCE_INVALID')
    const wrongUse = await refusal(guard.verify(request(await sign({}, { ...claims, token_use: 'id' }))))
    expect(wrongUse.code).toBe('ERR_JWT_CLAIM_INVALID')
    const { client_id: _c, scope: _s, ...idClaims } = claims
    const idToken = await sign({}, { ...idClaims, aud: appClient, token_use: 'id', email: 'jane@example.com' })
    expect((await refusal(guard.verify(request(idToken)))).code).toBe('ERR_JWT_AUDIENCE_INVALID')
  })

  it('checks an aud that is present too', async () => {
    const token = await sign({}, { ...claims, aud: 'https://someone-else.example.com' })
    const error = await refusal(guardFor({ ...presets.cognito, issuer, audience: appClient }).verify(request(token)))
    expect(error.code).toBe('ERR_JWT_AUDIENCE_INVALID')
  })

  it('is refused under the default profile; the cause names presets.cognito', async () => {
    await expectRefusedByDefault(await sign({}, claims), issuer, appClient, 'cognito')
  })

  it('under oauth2 with tokenTypes alone, the missing aud is what refuses it, and the cause says audienceClaim', async () => {
    const token = await sign({}, claims)
    const guard = guardFor({ profile: 'oauth2', tokenTypes: ['at+jwt', 'jwt'], issuer, audience: appClient })
    const error = await refusal(guard.verify(request(token)))
    expect(error.code).toBe('ERR_JWT_AUDIENCE_INVALID')
    expect(error.description).toBe('the "aud" claim does not name this resource server')
    expect((error.cause as Error).message).toContain('audienceClaim: "client_id" (presets.cognito)')
  })
})

describe('presets.pingone', () => {
  // PingOne "Token claims" (https://developer.pingidentity.com/pingone-api/foundations/authentication-concepts/access-tokens-and-id-tokens/token-claims.html):
  // header `kid` (optionally `x5t`, and `typ: at+jwt`, which is announced to be always sent from March 2027);
  // `client_id`, `scope` space-delimited, `aud` the resource, `env`, `org`, `sid`; RS256; issuer
  // `https://auth.pingone.com/<environmentId>/as`.
  const env = 'abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6'
  const issuer = `https://auth.pingone.com/${env}/as`
  const audience = 'https://api.example.com'
  const claims = {
    client_id: 'd5ef3fe1-a7ba-4c60-ba0d-5e2c6d6c6b1d',
    iss: issuer,
    jti: 'fd6c3b3a-5a4b-4d1e-9e3b-8d1f0e2b1a7c',
    iat: NOW,
    exp: NOW + 3600,
    aud: [audience],
    scope: 'orders:read',
    sub: '3f1d2c4b-5a6e-4f7d-8c9b-0a1e2d3c4b5a',
    sid: '6c8e7a2b-1d3f-4e5a-9b7c-2e4f6a8c0d1e',
    env,
    org: '0ab4c5d6-e7f8-4a9b-8c7d-6e5f4a3b2c1d',
  }

  it('accepts the token without typ; clientId from client_id', async () => {
    const auth = await guardFor({ ...presets.pingone, issuer, audience }).verify(request(await sign({}, claims)))
    expect(auth.clientId).toBe(claims.client_id)
    expect(auth.scopes).toEqual(['orders:read'])
  })

  it('is refused under the default profile; the cause names presets.pingone', async () => {
    await expectRefusedByDefault(await sign({}, claims), issuer, audience, 'pingone')
  })
})

describe('presets themselves', () => {
  it('each sets profile "oauth2" and nothing about trust (issuer, audience, keys)', () => {
    for (const [name, preset] of Object.entries(presets)) {
      expect(preset.profile, name).toBe('oauth2')
      for (const key of ['issuer', 'audience', 'jwks', 'jwksUri', 'algorithms', 'dpop', 'mtls', 'claims']) expect(preset, name).not.toHaveProperty(key)
    }
  })

  it('are frozen: one deployment cannot change another’s', () => {
    expect(Object.isFrozen(presets)).toBe(true)
    expect(Object.isFrozen(presets.entra)).toBe(true)
    expect(Object.isFrozen(presets.entra.scopeClaim)).toBe(true)
  })

  it('cannot be combined with a FAPI profile: "jwt" typ and audienceClaim client_id need oauth2', () => {
    const base = { issuer: 'https://as.example.com', audience: 'api', jwks: { keys: [] } }
    expect(() => createGuard({ ...base, ...presets.keycloak, profile: 'fapi2' })).toThrow(/"tokenTypes"/)
    expect(() => createGuard({ ...base, audienceClaim: 'client_id' })).toThrow(/option "audienceClaim" may be "client_id" only under profile "oauth2"/)
  })

  it('clientIdClaim and scopeClaim take one name or a non-empty list; audienceClaim only aud or client_id', () => {
    const base = { issuer: 'https://as.example.com', audience: 'api', jwks: { keys: [] }, profile: 'oauth2' as const }
    for (const clientIdClaim of ['', [], [''], [42], 42]) expect(() => createGuard({ ...base, clientIdClaim } as GuardOptions)).toThrow(/"clientIdClaim"/)
    for (const scopeClaim of [[], ['scp', '']]) expect(() => createGuard({ ...base, scopeClaim } as GuardOptions)).toThrow(/"scopeClaim"/)
    expect(() => createGuard({ ...base, audienceClaim: 'azp' } as unknown as GuardOptions)).toThrow(/"audienceClaim"/)
  })

  it('without clientIdClaim, clientId comes from client_id alone (azp is not read)', async () => {
    const issuer = 'https://as.example.com'
    const token = await sign({ typ: 'at+jwt' }, { iss: issuer, aud: 'api', exp: NOW + 60, iat: NOW, azp: 'someone' })
    const auth = await guardFor({ profile: 'oauth2', issuer, audience: 'api' }).verify(request(token))
    expect(auth.clientId).toBeUndefined()
  })
})
