import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { backends } from './support/backends.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

describe.each(backends)('dpop smoke ($name)', ({ createGuard }) => {
  it('accepts a valid proof once, refuses the replay', async () => {
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience })
    const key = await createDPoPKey('ES256')
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const url = 'https://api.example.test/accounts?x=1'
    const proof = await createDPoPProof({ key, method: 'GET', url, accessToken: token })
    const request = { method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: proof } }
    const auth = await guard.verify(request)
    expect(auth.binding.dpop?.jkt).toBe(key.thumbprint)
    await expect(guard.verify(request)).rejects.toMatchObject({ code: 'ERR_DPOP_PROOF_REPLAYED' })
    const err = await guard.verify({ ...request, headers: { authorization: `Bearer ${token}`, dpop: proof } }).catch((e) => e)
    expect(err.code).toBe('ERR_DPOP_BINDING_SCHEME_MISMATCH')
    expect(err.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="the access token is DPoP-bound and must be sent with the DPoP scheme", DPoP algs="PS256 ES256 EdDSA Ed25519"')
  })
  it('nonce dance', async () => {
    let now = 1_800_000_000_000
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, clock: () => now, dpop: { nonce: { secret: 'x'.repeat(32) } } })
    const key = await createDPoPKey('ES256')
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } }, { now: now / 1000 })
    const url = 'https://api.example.test/accounts'
    const first = await guard.verify({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token, iat: now / 1000 }) } }).catch((e) => e)
    expect(first.error).toBe('use_dpop_nonce')
    const nonce = first.headers['dpop-nonce']
    expect(nonce).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/)
    const ok = await guard.verify({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token, iat: now / 1000, nonce }) } })
    expect(ok.responseHeaders).toEqual({})
    now += 130_000
    const later = await guard.verify({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token, iat: now / 1000, nonce }) } })
    expect(later.responseHeaders['dpop-nonce']).toBeDefined()
  })
})
