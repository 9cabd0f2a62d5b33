/**
 * The introspection cache (RFC 7662 §4 trade-off): hits, the TTL bound by `exp`, negative entries,
 * single flight, hashed keys, revocation budget, and `tokens: 'all'` for JWTs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { IntrospectionCacheStore } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { active, AUDIENCE, CLIENT_ID, CLIENT_SECRET, guardOptions, ISSUER, reply, startAS, unavailable, type StubAS } from './introspection-kit.js'
import { NOW, API, TestClock, requestLike, refusal, expectRefusal, invalidToken, INVALID_TOKEN_CHALLENGE } from '../support/kit.js'

let as: StubAS
let dpopKey: DPoPKey
let otherKey: DPoPKey
beforeAll(async () => {
  as = await startAS()
  dpopKey = await createDPoPKey()
  otherKey = await createDPoPKey()
})
afterAll(() => as.close())
afterEach(() => {
  as.handler = undefined
  as.requests.length = 0
  as.answers.clear()
})

/** A custom store that records every write and never expires anything (the guard's own checks must hold). */
function recordingStore() {
  const entries = new Map<string, Record<string, unknown>>()
  const writes: Array<{ key: string; response: Record<string, unknown>; ttlMs: number }> = []
  const reads: string[] = []
  const store: IntrospectionCacheStore = {
    async get(key) {
      reads.push(key)
      return entries.get(key)
    },
    async set(key, response, ttlMs) {
      writes.push({ key, response, ttlMs })
      entries.set(key, response)
    },
  }
  return { store, entries, writes, reads }
}

describe('introspection cache', () => {
  it('a cache hit makes no second call (default: 60 s)', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-hit', active(clock, { exp: NOW + 3600 }))
    const guard = createGuard(guardOptions(as, clock))
    for (let i = 0; i < 5; i++) expect((await guard.verify(requestLike({ token: 'opaque-hit' }))).source).toBe('introspection')
    expect(as.calls()).toBe(1)
    clock.advance(59)
    await guard.verify(requestLike({ token: 'opaque-hit' }))
    expect(as.calls()).toBe(1)
    clock.advance(2)
    await guard.verify(requestLike({ token: 'opaque-hit' }))
    expect(as.calls()).toBe(2)
  })

  it('E06 an entry lives only until "exp" when "exp" comes before cache.ttl (fake clock)', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-e06', active(clock, { exp: NOW + 10 }))
    const guard = createGuard(guardOptions(as, clock, { cache: { ttl: 60 } }))
    await guard.verify(requestLike({ token: 'opaque-e06' }))
    clock.advance(9)
    await guard.verify(requestLike({ token: 'opaque-e06' }))
    expect(as.calls()).toBe(1)
    clock.advance(2)
    // Past "exp": the entry is gone and the AS is asked again (here it still answers with the old "exp",
    // which clockTolerance accepts for 5 s more; then the token is refused as expired).
    await guard.verify(requestLike({ token: 'opaque-e06' }))
    expect(as.calls()).toBe(2)
    clock.advance(5)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-e06' })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(3)
  })

  it('INTRO-06 the entry TTL given to the store is min(cache.ttl, exp − now), and nothing is stored for an active answer without a future "exp"', async () => {
    const clock = new TestClock()
    const { store, writes } = recordingStore()
    const guard = createGuard(guardOptions(as, clock, { cache: { ttl: 60, negativeTtl: 7, store } }))
    const cases: Array<[string, Record<string, unknown>, number | undefined]> = [
      ['exp-in-10', active(clock, { exp: NOW + 10 }), 10_000],
      ['exp-in-60', active(clock, { exp: NOW + 60 }), 60_000],
      ['exp-in-3600', active(clock, { exp: NOW + 3600 }), 60_000],
      ['exp-past', active(clock, { exp: NOW - 2 }), undefined],
      ['exp-missing', { active: true, iss: ISSUER }, undefined],
      ['exp-string', active(clock, { exp: 'later' }), undefined],
      ['inactive', { active: false }, 7_000],
    ]
    for (const [token, answer] of cases) {
      as.answers.set(token, answer)
      await guard.verify(requestLike({ token: token })).catch(() => {})
    }
    for (const [token, answer, ttl] of cases) {
      const write = writes.find((entry) => entry.response === answer || JSON.stringify(entry.response) === JSON.stringify(answer))
      expect(write?.ttlMs, token).toBe(ttl)
    }
    for (const write of writes) expect(write.ttlMs).toBeLessThanOrEqual(60_000)
  })

  it('E07 a token revoked at the AS is accepted only until the cache TTL (the revocation budget), then refused', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-e07', active(clock, { exp: NOW + 3600 }))
    const guard = createGuard(guardOptions(as, clock, { cache: { ttl: 30 } }))
    await guard.verify(requestLike({ token: 'opaque-e07' }))
    as.answers.set('opaque-e07', { active: false })
    clock.advance(29)
    expect((await guard.verify(requestLike({ token: 'opaque-e07' }))).source).toBe('introspection')
    clock.advance(2)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-e07' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(2)
    // With cache: false the budget is zero.
    as.answers.set('opaque-e07b', active(clock))
    const uncached = createGuard(guardOptions(as, clock, { cache: false }))
    await uncached.verify(requestLike({ token: 'opaque-e07b' }))
    as.answers.set('opaque-e07b', { active: false })
    await expectRefusal(uncached.verify(requestLike({ token: 'opaque-e07b' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
  })

  it('E08 negative answers are kept for negativeTtl only, and never answer for another token', async () => {
    const clock = new TestClock()
    const guard = createGuard(guardOptions(as, clock, { cache: { ttl: 60, negativeTtl: 10 } }))
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-e08' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    // Now issued (became active), but the negative entry holds for 10 s.
    as.answers.set('opaque-e08', active(clock, { exp: NOW + 3600 }))
    clock.advance(9)
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-e08' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(1)
    // Tokens that differ from it by one character, a prefix or an extension are asked for, and accepted.
    for (const other of ['opaque-e09', 'opaque-e0', 'opaque-e08x', 'Opaque-e08']) {
      as.answers.set(other, active(clock, { exp: NOW + 3600 }))
      expect((await guard.verify(requestLike({ token: other }))).source).toBe('introspection')
    }
    expect(as.calls()).toBe(5)
    clock.advance(2)
    expect((await guard.verify(requestLike({ token: 'opaque-e08' }))).source).toBe('introspection')
    expect(as.calls()).toBe(6)
    // negativeTtl 0: no negative caching at all.
    const noNegative = createGuard(guardOptions(as, clock, { cache: { negativeTtl: 0 } }))
    for (let i = 0; i < 3; i++) await expectRefusal(noNegative.verify(requestLike({ token: 'opaque-never' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(9)
  })

  it('E12 1 000 concurrent requests with one unseen token make one call', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-e12', active(clock))
    as.handler = async (request, res) => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      reply(res, 200, as.answers.get(request.body.get('token') ?? '') ?? { active: false })
    }
    const guard = createGuard(guardOptions(as, clock))
    const results = await Promise.all(Array.from({ length: 1000 }, () => guard.verify(requestLike({ token: 'opaque-e12' }))))
    expect(results.every((auth) => auth.source === 'introspection' && auth.subject === 'user-1')).toBe(true)
    expect(as.calls()).toBe(1)
  })

  it('single flight holds without a cache too (cache: false), and per token: N concurrent requests over 3 tokens → 3 calls', async () => {
    const clock = new TestClock()
    for (const token of ['sf-1', 'sf-2', 'sf-3']) as.answers.set(token, active(clock))
    as.handler = async (request, res) => {
      await new Promise((resolve) => setTimeout(resolve, 30))
      reply(res, 200, as.answers.get(request.body.get('token') ?? '') ?? { active: false })
    }
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    await Promise.all(Array.from({ length: 300 }, (_, i) => guard.verify(requestLike({ token: `sf-${(i % 3) + 1}` }))))
    expect(as.calls()).toBe(3)
    // Once settled, nothing is kept: the next request asks again.
    await guard.verify(requestLike({ token: 'sf-1' }))
    expect(as.calls()).toBe(4)
  })

  it('E09 the cache key is a hash (never the token), distinct per token and per issuer; the value is the response', async () => {
    const clock = new TestClock()
    const { store, writes, reads } = recordingStore()
    const second = await startAS()
    try {
      const B = 'https://b.example.test'
      // Two guards on one store (an opaque token goes to one issuer per guard): the same token asked of two issuers.
      const guardA = createGuard({
        issuer: ISSUER,
        introspection: { endpoint: as.endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: { store } },
        audience: AUDIENCE,
        profile: 'oauth2',
        clock: clock.now,
      })
      const guardB = createGuard({
        issuer: B,
        introspection: { endpoint: second.endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cache: { store } },
        audience: AUDIENCE,
        profile: 'oauth2',
        clock: clock.now,
      })
      const tokens = ['opaque-secret-token-one', 'opaque-secret-token-two', 'Kz~8mXK1-dotted.opaque~token.gxU']
      for (const token of tokens) {
        second.answers.set(token, active(clock, { iss: B }))
        await refusal(guardA.verify(requestLike({ token: token })))
        await guardB.verify(requestLike({ token: token }))
      }
      // Each token: a miss at the first issuer (negative entry), an active answer at the second.
      expect(writes).toHaveLength(6)
      const keys = writes.map((write) => write.key)
      expect(new Set(keys).size).toBe(6)
      for (const key of [...keys, ...reads]) {
        expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
        for (const token of tokens) {
          for (let at = 0; at + 8 <= token.length; at++) expect(key).not.toContain(token.slice(at, at + 8))
        }
      }
      for (const [index, token] of tokens.entries()) {
        expect(writes[2 * index]?.response).toEqual({ active: false })
        expect(writes[2 * index + 1]?.response).toEqual(second.answers.get(token))
      }
      // The next requests are answered from the store: no call, one read per issuer asked.
      const calls = as.calls() + second.calls()
      for (const token of tokens) {
        await refusal(guardA.verify(requestLike({ token: token })))
        await guardB.verify(requestLike({ token: token }))
      }
      expect(as.calls() + second.calls()).toBe(calls)
    } finally {
      await second.close()
    }
  })

  it('E09 a cache hit skips neither the binding check nor the "exp" check', async () => {
    const clock = new TestClock()
    const { store } = recordingStore()
    const token = 'opaque-bound-cached'
    as.answers.set(token, active(clock, { exp: NOW + 120, cnf: { jkt: dpopKey.thumbprint } }))
    const guard = createGuard(guardOptions(as, clock, { cache: { ttl: 600, store } }, { profile: 'fapi2' }))
    const proof = (key: DPoPKey) => createDPoPProof({ key, method: 'GET', url: API, accessToken: token, iat: clock.seconds })
    await guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(dpopKey) }))
    await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_DPOP_BINDING_SCHEME_MISMATCH', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(otherKey) })), invalidToken('ERR_DPOP_KEY_MISMATCH', INVALID_TOKEN_CHALLENGE))
    expect((await guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(dpopKey) }))).binding.dpop?.jkt).toBe(dpopKey.thumbprint)
    expect(as.calls()).toBe(1)
    // This store never forgets; the guard still refuses the entry once its "exp" has passed.
    clock.advance(126)
    await expectRefusal(guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof(dpopKey) })), invalidToken('ERR_INTROSPECTION_CLAIM_INVALID', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(1)
  })

  it('E09 a route that changes auth.claims cannot change what later requests with the same token are granted', async () => {
    const clock = new TestClock()
    const token = 'opaque-mutated'
    as.answers.set(token, active(clock, { scope: 'accounts:read', cnf: { jkt: dpopKey.thumbprint } }))
    const guard = createGuard(guardOptions(as, clock))
    const proof = () => createDPoPProof({ key: dpopKey, method: 'GET', url: API, accessToken: token, iat: clock.seconds })
    const first = await guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof() }))
    const claims = first.claims as Record<string, unknown>
    // What careless route code might do; each attempt either throws (frozen) or has no effect on the cache.
    const attempts = [
      () => {
        claims.scope = 'accounts:read admin'
      },
      () => {
        delete (claims.cnf as Record<string, unknown>).jkt
      },
      () => {
        delete claims.cnf
      },
      () => {
        claims.exp = NOW + 86_000
      },
    ]
    for (const attempt of attempts) {
      try {
        attempt()
      } catch {
        // frozen
      }
    }
    const second = await guard.verify(requestLike({ token: token, scheme: 'DPoP', proof: await proof() }))
    expect(second.scopes).toEqual(['accounts:read'])
    expect(second.claims.cnf).toEqual({ jkt: dpopKey.thumbprint })
    await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_DPOP_BINDING_SCHEME_MISMATCH', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(1)
  })

  it('cache: false asks the AS on every request', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-nocache', active(clock))
    const guard = createGuard(guardOptions(as, clock, { cache: false }))
    for (let i = 0; i < 5; i++) await guard.verify(requestLike({ token: 'opaque-nocache' }))
    expect(as.calls()).toBe(5)
  })

  it('a failing custom store (get and set throw, or get returns null or junk) falls back to asking the AS, and never allows by itself', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-store', active(clock))
    const broken: IntrospectionCacheStore = {
      get: async () => {
        throw new Error('redis down')
      },
      set: async () => {
        throw new Error('redis down')
      },
    }
    const guard = createGuard(guardOptions(as, clock, { cache: { store: broken } }))
    for (let i = 0; i < 3; i++) expect((await guard.verify(requestLike({ token: 'opaque-store' }))).source).toBe('introspection')
    expect(as.calls()).toBe(3)
    // A store answering null for a miss (as Redis clients do), or junk: a miss, and the AS decides.
    for (const value of [null, 'active', true, ['active'], 1]) {
      const junk: IntrospectionCacheStore = { get: async () => value as unknown as Record<string, unknown>, set: async () => {} }
      const guard = createGuard(guardOptions(as, clock, { cache: { store: junk } }))
      expect((await guard.verify(requestLike({ token: 'opaque-store' }))).source).toBe('introspection')
      await expectRefusal(guard.verify(requestLike({ token: 'opaque-unknown' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    }
    expect(as.calls()).toBe(13)
  })

  it('a custom store with synchronous methods (no promises) works', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-sync', active(clock))
    const entries = new Map<string, Record<string, unknown>>()
    const store = {
      get: (key: string) => entries.get(key),
      set: (key: string, response: Record<string, unknown>) => {
        entries.set(key, response)
      },
    } as unknown as IntrospectionCacheStore
    const guard = createGuard(guardOptions(as, clock, { cache: { store } }))
    for (let i = 0; i < 3; i++) expect((await guard.verify(requestLike({ token: 'opaque-sync' }))).source).toBe('introspection')
    expect(as.calls()).toBe(1)
    expect(entries.size).toBe(1)
  })

  it('a custom store that never answers holds a request no longer than the timeout, then the AS decides', async () => {
    const clock = new TestClock()
    as.answers.set('opaque-hung', active(clock))
    const hung: IntrospectionCacheStore = { get: () => new Promise(() => {}), set: () => new Promise(() => {}) }
    const guard = createGuard(guardOptions(as, clock, { cache: { store: hung }, timeout: 100 }))
    const start = performance.now()
    expect((await guard.verify(requestLike({ token: 'opaque-hung' }))).source).toBe('introspection')
    expect(performance.now() - start).toBeLessThan(1500)
    as.answers.set('opaque-hung', { active: false })
    await expectRefusal(guard.verify(requestLike({ token: 'opaque-hung' })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    expect(as.calls()).toBe(2)
  })

  it('the memory cache keeps at most "max" entries (least recently used go first)', async () => {
    const clock = new TestClock()
    for (const token of ['m-1', 'm-2', 'm-3']) as.answers.set(token, active(clock))
    const guard = createGuard(guardOptions(as, clock, { cache: { max: 2 } }))
    for (const token of ['m-1', 'm-2', 'm-3']) await guard.verify(requestLike({ token: token }))
    expect(as.calls()).toBe(3)
    await guard.verify(requestLike({ token: 'm-3' }))
    await guard.verify(requestLike({ token: 'm-2' }))
    expect(as.calls()).toBe(3)
    await guard.verify(requestLike({ token: 'm-1' }))
    expect(as.calls()).toBe(4)
  })
})

describe('tokens: "all" — JWTs introspected too', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createLocalIssuer({ introspectionClient: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } })
  })
  afterAll(() => issuer.close())

  const options = (introspection: Record<string, unknown>, clock?: TestClock) => ({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: issuer.audience,
    profile: 'oauth2' as const,
    ...(clock !== undefined && { clock: clock.now }),
    introspection: { endpoint: issuer.introspectionEndpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...introspection },
  })

  it('tokens "all": a JWT is verified locally and introspected; a revoked one is refused; "opaque" (default) never introspects a JWT', async () => {
    const jwt = await issuer.mint({ scope: 'accounts:read' })
    const before = issuer.introspections.length
    const all = createGuard(options({ tokens: 'all', cache: false }))
    const auth = await all.verify(requestLike({ token: jwt }))
    expect(auth.source).toBe('jwt')
    expect(issuer.introspections.length - before).toBe(1)
    expect(issuer.introspections.at(-1)?.body.get('token')).toBe(jwt)
    const opaque = createGuard(options({ cache: false }))
    await opaque.verify(requestLike({ token: jwt }))
    expect(issuer.introspections.length - before).toBe(1)
    issuer.revoke(jwt)
    await expectRefusal(all.verify(requestLike({ token: jwt })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    // Locally the JWT is still fine: without "all" it passes (the reason to choose "all").
    expect((await opaque.verify(requestLike({ token: jwt }))).source).toBe('jwt')
  })

  it('tokens "all": a JWT that fails locally is not introspected; the revocation budget is the cache TTL; an AS outage is a 503', async () => {
    const clock = new TestClock(Math.floor(Date.now() / 1000))
    const all = createGuard(options({ tokens: 'all', cache: { ttl: 20 } }, clock))
    const before = issuer.introspections.length
    const forged = await issuer.mint({ aud: 'https://someone-else.example' })
    await expectRefusal(all.verify(requestLike({ token: forged })), invalidToken('ERR_JWT_AUDIENCE_INVALID', INVALID_TOKEN_CHALLENGE))
    expect(issuer.introspections.length).toBe(before)
    const jwt = await issuer.mint({}, { expiresIn: 3600 })
    await all.verify(requestLike({ token: jwt }))
    issuer.revoke(jwt)
    clock.advance(19)
    expect((await all.verify(requestLike({ token: jwt }))).source).toBe('jwt')
    clock.advance(2)
    await expectRefusal(all.verify(requestLike({ token: jwt })), invalidToken('ERR_TOKEN_INACTIVE', INVALID_TOKEN_CHALLENGE))
    const fresh = await issuer.mint({}, { expiresIn: 3600 })
    issuer.down = true
    try {
      await unavailable(all.verify(requestLike({ token: fresh })))
    } finally {
      issuer.down = false
    }
  })
})
