import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import { createGuardWith } from '../../src/pipeline/guard.js'
import type { GuardOptions } from '../../src/index.js'
import { webCryptoBackend, type CryptoBackend } from '../../src/keys/crypto-backend.js'
import { nodeCryptoBackend } from '../../src/node/node-crypto-backend.js'
import { API, requestLike } from '../support/kit.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

/** A DPoP request with `token` and a fresh proof of `key`. */
async function dpopRequest(key: DPoPKey, token: string, proofToken = token) {
  return { method: 'GET', url: API, headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url: API, accessToken: proofToken }) } }
}

/** A backend that counts signature verifications, on either real backend. */
function counting(backend: CryptoBackend) {
  const counter = { verifications: 0 }
  const wrapped: CryptoBackend = {
    ...backend,
    verify(alg, key, signature, data) {
      counter.verifications++
      return backend.verify(alg, key, signature, data)
    },
  }
  return { counter, backend: wrapped }
}


describe.each([
  { name: 'node:crypto', backend: nodeCryptoBackend },
  { name: 'web crypto', backend: webCryptoBackend },
])('verified-token cache ($name)', ({ backend }) => {
  function guardWith(options: Partial<GuardOptions> = {}) {
    const { counter, backend: spy } = counting(backend)
    const guard = createGuardWith({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', ...options }, spy)
    return { guard, counter }
  }

  it('a token is cached on its second sighting, then skips the signature; a different token (even one bit) does not', async () => {
    const { guard, counter } = guardWith()
    const token = await issuer.mint({ scope: 'a' })
    await guard.verify(requestLike({ token }))
    expect(counter.verifications).toBe(1)
    await guard.verify(requestLike({ token }))
    expect(counter.verifications).toBe(2)
    await guard.verify(requestLike({ token }))
    await guard.verify(requestLike({ token }))
    expect(counter.verifications).toBe(2)
    const other = await issuer.mint({ scope: 'a' })
    await guard.verify(requestLike({ token: other }))
    expect(counter.verifications).toBe(3)
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BA' : 'AA'}`
    await expect(guard.verify(requestLike({ token: tampered }))).rejects.toMatchObject({ status: 401 })
  })

  it('remembers first sightings only up to tokenCache.max: one pushed out by newer tokens starts again', async () => {
    const { guard, counter } = guardWith({ tokenCache: { max: 2 } })
    const [a, b, c] = await Promise.all([issuer.mint(), issuer.mint(), issuer.mint()])
    for (const token of [a, b, c]) await guard.verify(requestLike({ token: token as string }))
    expect(counter.verifications).toBe(3)
    // `a` was pushed out of the first sightings by `b` and `c`: this is its first sighting again.
    await guard.verify(requestLike({ token: a as string }))
    await guard.verify(requestLike({ token: a as string }))
    expect(counter.verifications).toBe(5)
    await guard.verify(requestLike({ token: a as string }))
    expect(counter.verifications).toBe(5)
    // `c` is still remembered: its second sighting admits it.
    await guard.verify(requestLike({ token: c as string }))
    await guard.verify(requestLike({ token: c as string }))
    expect(counter.verifications).toBe(6)
  })

  it('time claims are checked on every request: a cached token is refused once it expires', async () => {
    let now = Date.now()
    const { guard, counter } = guardWith({ clock: () => now })
    const token = await issuer.mint({}, { now: Math.floor(now / 1000), expiresIn: 60 })
    await guard.verify(requestLike({ token }))
    await guard.verify(requestLike({ token }))
    now += 30_000
    await guard.verify(requestLike({ token }))
    expect(counter.verifications).toBe(2)
    now += 40_000
    await expect(guard.verify(requestLike({ token }))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' })
  })

  it('an entry made under one key set is not used once the issuer\'s keys change', async () => {
    const local = await createLocalIssuer()
    try {
      let now = Date.now()
      const { counter, backend: spy } = counting(backend)
      const guard = createGuardWith({ issuer: local.issuer, audience: local.audience, profile: 'oauth2', clock: () => now }, spy)
      const first = local.keys[0]
      const token = await local.mint()
      await guard.verify(requestLike({ token }))
      await guard.verify(requestLike({ token }))
      expect(counter.verifications).toBe(2)
      // Rotate: the old key leaves the set, a new one comes in; a token with the new kid makes the guard refetch.
      const next = await local.addKey('ES256')
      ;(local.keys as unknown[]).splice((local.keys as unknown[]).indexOf(first), 1)
      now += 31_000
      await guard.verify(requestLike({ token: await local.mint({}, { kid: next.kid }) }))
      expect(counter.verifications).toBe(3)
      await expect(guard.verify(requestLike({ token }))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
    } finally {
      await local.close()
    }
  })

  it('the binding is checked on every request: a cached DPoP-bound token still needs a fresh, valid proof', async () => {
    const { guard, counter } = guardWith({ profile: 'fapi2' })
    const key = await createDPoPKey()
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const request = () => dpopRequest(key, token)
    await guard.verify(await request())
    const again = await request()
    await guard.verify(again)
    await expect(guard.verify(again)).rejects.toMatchObject({ code: 'ERR_DPOP_PROOF_REPLAYED' })
    await expect(guard.verify(requestLike({ token }))).rejects.toMatchObject({ code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH' })
    const thief = await createDPoPKey()
    const stolen = { ...again, headers: { ...again.headers, dpop: await createDPoPProof({ key: thief, method: 'GET', url: API, accessToken: token }) } }
    await expect(guard.verify(stolen)).rejects.toMatchObject({ code: 'ERR_DPOP_KEY_MISMATCH' })
    // One proof per request was verified each time; the access token's signature twice (it is cached on its second sighting).
    expect(counter.verifications).toBe(2 + 4)
  })

  it('a DPoP request hashes the access token once: the cache key is the proof\'s "ath" (RFC 9449 §4.3 check 12a); without the cache the binding step hashes it', async () => {
    const hashed: Array<string | Uint8Array> = []
    const spy: CryptoBackend = {
      ...backend,
      sha256Base64url(input) {
        hashed.push(input)
        return backend.sha256Base64url(input)
      },
    }
    const key = await createDPoPKey()
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const request = () => dpopRequest(key, token)
    for (const tokenCache of [undefined, false] as const) {
      const guard = createGuardWith({ issuer: issuer.issuer, audience: issuer.audience, ...(tokenCache === false && { tokenCache }) }, spy)
      for (let sighting = 1; sighting <= 3; sighting++) {
        hashed.length = 0
        await guard.verify(await request())
        expect(hashed.filter((input) => input === token), `tokenCache ${String(tokenCache)}, sighting ${sighting}`).toHaveLength(1)
      }
    }
    // A proof whose "ath" names another token is still refused with the hash taken from the cache.
    const guard = createGuardWith({ issuer: issuer.issuer, audience: issuer.audience }, spy)
    const other = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    await expect(guard.verify(await dpopRequest(key, token, other))).rejects.toMatchObject({ code: 'ERR_DPOP_ATH_MISMATCH' })
  })

  it('the audience is checked on every request, and claims, cached or not, cannot be changed by a route', async () => {
    const { guard } = guardWith()
    const token = await issuer.mint({ scope: 'read', nested: { role: 'user' } })
    const first = await guard.verify(requestLike({ token }))
    expect(Object.isFrozen(first.claims)).toBe(true)
    expect(Object.isFrozen(first.scopes)).toBe(true)
    expect(() => {
      ;(first.claims as Record<string, unknown>).scope = 'admin'
    }).toThrow(TypeError)
    expect(() => {
      ;((first.claims as Record<string, Record<string, unknown>>).nested as Record<string, unknown>).role = 'admin'
    }).toThrow(TypeError)
    const second = await guard.verify(requestLike({ token }))
    const third = await guard.verify(requestLike({ token }))
    expect(third.claims).toBe(second.claims)
    expect(Object.isFrozen(third.claims)).toBe(true)
    expect(third.scopes).toEqual(['read'])
    const elsewhere = createGuardWith({ issuer: issuer.issuer, audience: 'https://other.example', profile: 'oauth2' }, backend)
    await expect(elsewhere.verify(requestLike({ token }))).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE_INVALID' })
  })

  it('tokenCache: false verifies the signature every time', async () => {
    const { guard, counter } = guardWith({ tokenCache: false })
    const token = await issuer.mint()
    await guard.verify(requestLike({ token }))
    await guard.verify(requestLike({ token }))
    expect(counter.verifications).toBe(2)
  })
})
