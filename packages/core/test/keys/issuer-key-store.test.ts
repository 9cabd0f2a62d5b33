import { generateKeyPairSync } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import type { GuardOptions } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { backends } from '../support/backends.js'
import { craftJWS, nodeSigner } from '../support/jws.js'
import { keyServersPerTest } from '../support/key-server.js'
import { recordingFetch } from '../support/recording-fetch.js'
import { NOW, TestClock, requestLike, expectRefusal, invalidToken } from '../support/kit.js'

const RS = 'https://rs.example.com/'
const UNAVAILABLE = { status: 503, error: 'temporarily_unavailable', code: 'ERR_JWKS_UNAVAILABLE' } as const

let local: LocalIssuer
const keyServer = keyServersPerTest()

beforeAll(async () => {
  local = await createLocalIssuer({ algorithms: ['ES256'], audience: RS })
})
afterAll(() => local.close())
afterEach(() => {
  local.down = false
})

function claimsFor(iss: string, extra: Record<string, unknown> = {}) {
  return { iss, aud: RS, sub: 'user-1', client_id: 'client-1', iat: NOW, exp: NOW + 300, jti: 'j', ...extra }
}

describe('issuer keys: discovery, caching, rotation', () => {
  function oauth2(extra: Partial<GuardOptions> & Pick<GuardOptions, 'issuer'>) {
    return createGuard({ audience: RS, profile: 'oauth2', clock: new TestClock().now, ...extra })
  }

  it('finds jwks_uri by RFC 8414 discovery, then caches the keys', async () => {
    const recorder = recordingFetch()
    const guard = oauth2({ issuer: local.issuer, fetch: recorder.fetch })
    const token = await local.mint({}, { now: NOW })
    await guard.verify(requestLike({ token: token }))
    await guard.verify(requestLike({ token: token }))
    expect(recorder.urls).toEqual([`${local.issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`, local.jwksUri])
  })

  it('falls back to OpenID Connect discovery for an issuer with a path', async () => {
    const oidc = await createLocalIssuer({ audience: RS, openIdConfiguration: true, path: '/tenant-a' })
    try {
      const recorder = recordingFetch()
      const origin = new URL(oidc.issuer).origin
      const auth = await oauth2({ issuer: oidc.issuer, fetch: recorder.fetch }).verify(requestLike({ token: await oidc.mint({}, { now: NOW }) }))
      expect(auth.issuer).toBe(oidc.issuer)
      expect(recorder.urls).toEqual([
        `${origin}/.well-known/oauth-authorization-server/tenant-a`,
        `${origin}/tenant-a/.well-known/openid-configuration`,
        oidc.jwksUri,
      ])
    } finally {
      await oidc.close()
    }
  })

  it('refuses metadata naming another issuer, or a jwks_uri that is missing or plain http off loopback (fail closed, 503)', async () => {
    const server = await keyServer()
    const issuer = server.origin
    const recorder = recordingFetch()
    const guard = () => oauth2({ issuer, fetch: recorder.fetch, clock: new TestClock().now })
    const token = await local.mint({ iss: issuer }, { now: NOW })

    server.route('/.well-known/oauth-authorization-server', { body: { issuer: `${issuer}/other`, jwks_uri: local.jwksUri } })
    await expectRefusal(guard().verify(requestLike({ token: token })), UNAVAILABLE)
    server.route('/.well-known/oauth-authorization-server', { body: { issuer, jwks_uri: 'http://keys.example.com/jwks' } })
    await expectRefusal(guard().verify(requestLike({ token: token })), UNAVAILABLE)
    server.route('/.well-known/oauth-authorization-server', { body: { issuer } })
    await expectRefusal(guard().verify(requestLike({ token: token })), UNAVAILABLE)
    expect(recorder.countHost('keys.example.com')).toBe(0)
    expect(recorder.count(local.jwksUri)).toBe(0)

    server.route('/.well-known/oauth-authorization-server', { body: { issuer, jwks_uri: local.jwksUri } })
    expect((await guard().verify(requestLike({ token: token }))).issuer).toBe(issuer)
  })

  it('JWTAT-14 a key rotated into the JWKS is picked up by one refetch once the cooldown has passed', async () => {
    const rotating = await createLocalIssuer({ audience: RS })
    try {
      const recorder = recordingFetch()
      const clock = new TestClock()
      const guard = oauth2({ issuer: rotating.issuer, jwksUri: rotating.jwksUri, fetch: recorder.fetch, clock: clock.now })
      await guard.verify(requestLike({ token: await rotating.mint({}, { now: NOW }) }))
      expect(recorder.count(rotating.jwksUri)).toBe(1)

      const fresh = await rotating.addKey('ES256')
      const token = await rotating.mint({}, { now: NOW, kid: fresh.kid })
      // Within the cooldown of the last fetch the unknown kid is refused without another fetch…
      clock.advance(10)
      await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
      expect(recorder.count(rotating.jwksUri)).toBe(1)
      // …after it, one refetch finds the new key.
      clock.advance(21)
      expect((await guard.verify(requestLike({ token: token }))).claims.iss).toBe(rotating.issuer)
      await guard.verify(requestLike({ token: token }))
      expect(recorder.count(rotating.jwksUri)).toBe(2)
    } finally {
      await rotating.close()
    }
  })

  it('JOSE-14 duplicate kid across key types: kty/crv/alg pick the key (EC for ES256, RSA for PS256)', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const server = await keyServer({
      '/jwks': { body: { keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1' }, { ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1' }] } },
    })
    const iss = server.origin
    const guard = createGuard({ issuer: iss, jwksUri: server.url('/jwks'), audience: RS, profile: 'oauth2', clock: new TestClock().now })
    const es256 = await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }, claimsFor(iss), nodeSigner('sha256', ec.privateKey))
    const ps256 = await craftJWS({ alg: 'PS256', typ: 'at+jwt', kid: 'k1' }, claimsFor(iss), nodeSigner('sha256', rsa.privateKey, { pss: 32 }))
    const rs256 = await craftJWS({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' }, claimsFor(iss), nodeSigner('sha256', rsa.privateKey))
    await guard.verify(requestLike({ token: es256 }))
    await guard.verify(requestLike({ token: ps256 }))
    await guard.verify(requestLike({ token: rs256 }))
    // ES256 header over the RSA key's signature: the EC key is chosen and the signature fails.
    const crossed = await craftJWS({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }, claimsFor(iss), nodeSigner('sha256', rsa.privateKey))
    await expectRefusal(guard.verify(requestLike({ token: crossed })), invalidToken('ERR_JWT_SIGNATURE_INVALID'))
    expect(server.count('/jwks')).toBe(1)
  })

  it('refreshes a key set older than jwksCacheMaxAge, and keeps the last good keys when that refresh fails', async () => {
    const recorder = recordingFetch()
    const clock = new TestClock()
    const guard = oauth2({ issuer: local.issuer, jwksUri: local.jwksUri, fetch: recorder.fetch, clock: clock.now, jwksCacheMaxAge: 60 })
    const token = await local.mint({}, { now: NOW, expiresIn: 3600 })
    await guard.verify(requestLike({ token: token }))
    clock.advance(61)
    await guard.verify(requestLike({ token: token }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(recorder.count(local.jwksUri)).toBe(2)

    local.down = true
    clock.advance(61)
    for (let i = 0; i < 20; i++) await guard.verify(requestLike({ token: token }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    // A failing key server is not asked again on every request: at most once per cooldown.
    expect(recorder.count(local.jwksUri)).toBe(3)
    clock.advance(31)
    await guard.verify(requestLike({ token: token }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(recorder.count(local.jwksUri)).toBe(4)
  })

  it('before any key is known, a failed first load is retried only after a short pause', async () => {
    const recorder = recordingFetch()
    const clock = new TestClock()
    const guard = oauth2({ issuer: local.issuer, jwksUri: local.jwksUri, fetch: recorder.fetch, clock: clock.now })
    const token = await local.mint({}, { now: NOW, expiresIn: 3600 })
    local.down = true
    await expectRefusal(guard.verify(requestLike({ token: token })), UNAVAILABLE)
    await expectRefusal(guard.verify(requestLike({ token: token })), UNAVAILABLE)
    expect(recorder.count(local.jwksUri)).toBe(1)
    local.down = false
    clock.advance(4)
    await expectRefusal(guard.verify(requestLike({ token: token })), UNAVAILABLE)
    clock.advance(1)
    await guard.verify(requestLike({ token: token }))
    expect(recorder.count(local.jwksUri)).toBe(2)
  })

  it('a 503 for unavailable keys carries Retry-After and no challenge error', async () => {
    local.down = true
    const error = await expectRefusal(oauth2({ issuer: local.issuer, jwksUri: local.jwksUri }).verify(requestLike({ token: await local.mint({}, { now: NOW }) })), UNAVAILABLE)
    expect(error.headers).toEqual({ 'retry-after': '5' })
    expect(error.toJSON()).toEqual({ error: 'temporarily_unavailable', error_description: `the keys of issuer "${local.issuer}" are unavailable` })
  })
})

/** Key import is crypto: both entries must read key_ops alike. */
describe.each(backends)('issuer keys on both entries ($name)', ({ createGuard }) => {
  it('key_ops that list "verify" among others give the same answer on every backend', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = ec.publicKey.export({ format: 'jwk' })
    const server = await keyServer({
      '/jwks': {
        body: {
          keys: [
            { ...jwk, kid: 'both', key_ops: ['sign', 'verify'] },
            { ...jwk, kid: 'verify', key_ops: ['verify'] },
            { ...jwk, kid: 'sign-only', key_ops: ['sign'] },
            { ...jwk, kid: 'enc', use: 'enc' },
          ],
        },
      },
    })
    const iss = server.origin
    const guard = createGuard({ issuer: iss, jwksUri: server.url('/jwks'), audience: RS, profile: 'oauth2', clock: new TestClock().now })
    const sign = (kid: string) => craftJWS({ alg: 'ES256', typ: 'at+jwt', kid }, claimsFor(iss), nodeSigner('sha256', ec.privateKey))
    await guard.verify(requestLike({ token: await sign('verify') }))
    await guard.verify(requestLike({ token: await sign('both') }))
    await expectRefusal(guard.verify(requestLike({ token: await sign('sign-only') })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
    await expectRefusal(guard.verify(requestLike({ token: await sign('enc') })), invalidToken('ERR_JWKS_NO_MATCHING_KEY'))
  })
})
