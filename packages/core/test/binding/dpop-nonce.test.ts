/**
 * Server nonces (RFC 9449 §8–9, §11.3): `mintNonce`/`checkNonce` on both crypto backends, then the
 * nonce rows (attacks.md C43–C47, standards.md DPOP-13, DPOP-30…35) through `guard.verify` on both
 * entry points, with `dpop.nonce: { secret }` and an injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { checkNonce, mintNonce, type NonceRules } from '../../src/binding/dpop-nonce.js'
import type { Guard } from '../../src/pipeline/guard.js'
import { webCryptoBackend, type CryptoBackend } from '../../src/keys/crypto-backend.js'
import { nodeCryptoBackend } from '../../src/node/node-crypto-backend.js'
import { createGuard } from '../../src/node/index.js'
import { ALGS, createClient, dpopChallenge, guardOptions, headerCount, invalidProof, NQCHAR, type Client } from '../support/dpop-kit.js'
import { NOW, TestClock, expectRefusal } from '../support/kit.js'

const SECRET_A = 'nonce-secret-A-0123456789abcdef0123456789'
const SECRET_B = 'nonce-secret-B-0123456789abcdef0123456789'
const encoder = new TextEncoder()
const STEP = 120

function rules(...secrets: string[]): NonceRules {
  return { secrets: secrets.map((secret) => encoder.encode(secret)), stepSeconds: STEP }
}

const cryptoBackends: ReadonlyArray<{ name: string; backend: CryptoBackend }> = [
  { name: 'node:crypto', backend: nodeCryptoBackend },
  { name: 'web crypto', backend: webCryptoBackend },
]

describe.each(cryptoBackends)('mintNonce / checkNonce ($name)', ({ backend }) => {
  it('DPOP-31 a nonce is NQCHAR, <time step>.<144-bit MAC>, and short', async () => {
    const nonce = await mintNonce(backend, rules(SECRET_A), NOW)
    expect(nonce).toMatch(NQCHAR)
    expect(nonce).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{24}$/)
    expect(nonce.length).toBeLessThanOrEqual(64)
  })

  it('mints the same nonce on both backends (the MAC is a plain HMAC-SHA-256)', async () => {
    const here = await mintNonce(backend, rules(SECRET_A), NOW + 7)
    const node = await mintNonce(nodeCryptoBackend, rules(SECRET_A), NOW + 7)
    const web = await mintNonce(webCryptoBackend, rules(SECRET_A), NOW + 7)
    expect(new Set([here, node, web]).size).toBe(1)
  })

  it('DPOP-32 a nonce is current in its time step, stale-soon in the next, then invalid; never valid before it was made', async () => {
    const nonce = await mintNonce(backend, rules(SECRET_A), NOW)
    await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW)).resolves.toBe('current')
    await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW + STEP - 1)).resolves.toBe('current')
    await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW + STEP)).resolves.toBe('stale-soon')
    await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW + 2 * STEP - 1)).resolves.toBe('stale-soon')
    await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW + 2 * STEP)).resolves.toBe('invalid')
    await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW - 1)).resolves.toBe('invalid')
  })

  it('DPOP-35 a nonce made with another secret is invalid', async () => {
    const nonce = await mintNonce(backend, rules(SECRET_B), NOW)
    await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW)).resolves.toBe('invalid')
  })

  it('rotation: secrets are newest first; the first mints, every one verifies', async () => {
    const old = await mintNonce(backend, rules(SECRET_A), NOW)
    const rotated = rules(SECRET_B, SECRET_A)
    await expect(checkNonce(backend, rotated, old, NOW)).resolves.toBe('current')
    const fresh = await mintNonce(backend, rotated, NOW)
    expect(fresh).toBe(await mintNonce(backend, rules(SECRET_B), NOW))
    expect(fresh).not.toBe(old)
    await expect(checkNonce(backend, rules(SECRET_A), fresh, NOW)).resolves.toBe('invalid')
  })

  it('DPOP-32 a nonce must match exactly: a zero-padded step, a case-flipped or extended MAC are invalid', async () => {
    const nonce = await mintNonce(backend, rules(SECRET_A), NOW)
    const [step, mac] = nonce.split('.') as [string, string]
    const flipped = mac.replace(/[a-z]/, (char) => char.toUpperCase())
    expect(flipped).not.toBe(mac)
    for (const variant of [`0${nonce}`, `00${nonce}`, `${step}.${flipped}`, `${nonce}A`, `${step}.${mac.slice(0, -1)}`, ` ${nonce}`, `${nonce}.`]) {
      await expect(checkNonce(backend, rules(SECRET_A), variant, NOW)).resolves.toBe('invalid')
    }
  })

  it('malformed nonces are invalid, without throwing', async () => {
    const mac = (await mintNonce(backend, rules(SECRET_A), NOW)).split('.')[1] as string
    const step = Math.floor(NOW / STEP)
    for (const nonce of ['', '.', 'abc', `.${mac}`, `${step.toString(36)}.`, `${step.toString(36).toUpperCase()}.${mac}`, `-1.${mac}`, `${'z'.repeat(13)}.${mac}`, `${step.toString(36)}.${mac}${'A'.repeat(40)}`, 'eyJ7S_zG.eyJH0-Z.HX4w-7v']) {
      await expect(checkNonce(backend, rules(SECRET_A), nonce, NOW)).resolves.toBe('invalid')
    }
  })

  it('DPOP-31 nonces of 10 000 different time steps never repeat', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 10_000; i++) seen.add(await mintNonce(backend, rules(SECRET_A), NOW + i * STEP))
    expect(seen.size).toBe(10_000)
    const macs = new Set([...seen].map((nonce) => nonce.split('.')[1]))
    expect(macs.size).toBe(10_000)
  })
})

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const NONCE_REQUIRED = `Bearer realm="api", DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="${ALGS}"`

describe('DPoP nonces through guard.verify', () => {
  let clock: TestClock
  let guard: Guard
  let client: Client

  beforeAll(async () => {
    clock = new TestClock()
    guard = createGuard(guardOptions(issuer, clock, { dpop: { nonce: { secret: SECRET_A } } }))
    client = await createClient(issuer, clock)
  })

  /** Each test starts at the suite's NOW (the start of a nonce time step). */
  function reset(): void {
    clock.ms = NOW * 1000
  }

  /** The nonce a refused nonce-less proof is answered with. */
  async function challengeNonce(target: Guard = guard, holder: Client = client): Promise<string> {
    const error = await expectRefusal(target.verify(await holder.request()), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_REQUIRED' })
    return error.headers['dpop-nonce'] as string
  }

  it('C43 nonce required and the proof has none: 401 use_dpop_nonce with a fresh DPoP-Nonce', async () => {
    reset()
    const error = await expectRefusal(guard.verify(await client.request()), {
      status: 401,
      error: 'use_dpop_nonce',
      code: 'ERR_DPOP_NONCE_REQUIRED',
      challenge: NONCE_REQUIRED,
    })
    expect(error.headers['dpop-nonce']).toMatch(NQCHAR)
    await expect(guard.verify(await client.request({ nonce: error.headers['dpop-nonce'] as string }))).resolves.toMatchObject({ responseHeaders: {} })
  })

  it('DPOP-30 the nonce challenge is exactly the RFC 9449 §9 one (plus algs), with one DPoP-Nonce', async () => {
    reset()
    const dpopOnly = createGuard(guardOptions(issuer, clock, { dpop: { required: true, algorithms: ['ES256'], nonce: { secret: SECRET_A } } }))
    const error = await expectRefusal(dpopOnly.verify(await client.request()), {
      status: 401,
      error: 'use_dpop_nonce',
      code: 'ERR_DPOP_NONCE_REQUIRED',
      challenge: 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256"',
    })
    expect(headerCount(error.headers, 'dpop-nonce')).toBe(1)
    expect(error.toJSON()).toEqual({ error: 'use_dpop_nonce', error_description: 'Resource server requires nonce in DPoP proof' })
  })

  it('DPOP-13 with server nonces on, the proof\'s nonce must be one this server gave', async () => {
    reset()
    const nonce = await challengeNonce()
    await expect(guard.verify(await client.request({ nonce }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ nonce: `${nonce}x` })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
  })

  it('C44 a wrong or expired nonce: 401 use_dpop_nonce with a new nonce, which then works', async () => {
    reset()
    for (const nonce of ['stale', 'eyJ7S_zG.eyJbYu3.xQmBj-1', '']) {
      const error = await expectRefusal(guard.verify(await client.request({ nonce })), {
        status: 401,
        error: 'use_dpop_nonce',
        code: 'ERR_DPOP_NONCE_INVALID',
        challenge: dpopChallenge('use_dpop_nonce'),
      })
      expect(error.headers['dpop-nonce']).toMatch(NQCHAR)
    }
    const old = await challengeNonce()
    clock.advance(2 * STEP)
    const error = await expectRefusal(guard.verify(await client.request({ nonce: old })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
    const renewed = error.headers['dpop-nonce'] as string
    expect(renewed).not.toBe(old)
    await expect(guard.verify(await client.request({ nonce: renewed }))).resolves.toBeDefined()
  })

  it('C45 nonce downgrade: once a nonce was given, a proof without one is refused', async () => {
    reset()
    const nonce = await challengeNonce()
    await expect(guard.verify(await client.request({ nonce }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request()), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_REQUIRED', challenge: NONCE_REQUIRED })
  })

  it('DPOP-34 in nonce mode no proof without a nonce is ever accepted, for any client', async () => {
    reset()
    const newcomer = await createClient(issuer, clock)
    await expectRefusal(guard.verify(await newcomer.request()), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_REQUIRED' })
    await expectRefusal(guard.verify(await newcomer.request({ claims: { nonce: null } })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
  })

  it('C46 a nonce issued by the authorization server, or by a guard with another secret, is refused', async () => {
    reset()
    await expectRefusal(guard.verify(await client.request({ nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v' })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
    const elsewhere = createGuard(guardOptions(issuer, clock, { dpop: { nonce: { secret: SECRET_B } } }))
    const foreign = await challengeNonce(elsewhere)
    await expect(elsewhere.verify(await client.request({ nonce: foreign }))).resolves.toBeDefined()
    const error = await expectRefusal(guard.verify(await client.request({ nonce: foreign })), {
      status: 401,
      error: 'use_dpop_nonce',
      code: 'ERR_DPOP_NONCE_INVALID',
    })
    expect(error.headers['dpop-nonce']).not.toBe(foreign)
  })

  it('DPOP-35 nonces are only accepted by the server that issued them (same time step, different secrets)', async () => {
    reset()
    const ours = await challengeNonce()
    const theirs = await challengeNonce(createGuard(guardOptions(issuer, clock, { dpop: { nonce: { secret: SECRET_B } } })))
    expect(theirs).not.toBe(ours)
    await expectRefusal(guard.verify(await client.request({ nonce: theirs })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
  })

  it('C47 every response carries exactly one valid DPoP-Nonce; a nonce outside NQCHAR is refused with a valid one', async () => {
    reset()
    for (const nonce of ['a"b', 'caf\u00e9', 'a b', 'a\\b', '\u0000']) {
      const error = await expectRefusal(guard.verify(await client.request({ nonce })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
      expect(headerCount(error.headers, 'dpop-nonce')).toBe(1)
      expect(error.headers['dpop-nonce']).toMatch(NQCHAR)
    }
    const missing = await expectRefusal(guard.verify(await client.request()), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_REQUIRED' })
    expect(headerCount(missing.headers, 'dpop-nonce')).toBe(1)
    const nonce = missing.headers['dpop-nonce'] as string
    clock.advance(STEP)
    const auth = await guard.verify(await client.request({ nonce }))
    expect(headerCount(auth.responseHeaders, 'dpop-nonce')).toBe(1)
    expect(auth.responseHeaders['dpop-nonce']).toMatch(NQCHAR)
  })

  it('DPOP-32 the previous nonce inside the grace step is accepted and answered with the next one', async () => {
    reset()
    const nonce = await challengeNonce()
    clock.advance(STEP + 30)
    const auth = await guard.verify(await client.request({ nonce }))
    const next = auth.responseHeaders['dpop-nonce'] as string
    expect(next).toMatch(NQCHAR)
    expect(next).not.toBe(nonce)
    await expect(guard.verify(await client.request({ nonce: next }))).resolves.toMatchObject({ responseHeaders: {} })
  })

  it('DPOP-33 a 200 that rotates the nonce carries DPoP-Nonce and Cache-Control: no-store', async () => {
    reset()
    const nonce = await challengeNonce()
    clock.advance(STEP)
    const auth = await guard.verify(await client.request({ nonce }))
    expect(Object.keys(auth.responseHeaders).sort()).toEqual(['cache-control', 'dpop-nonce'])
    expect(auth.responseHeaders['cache-control']).toBe('no-store')
  })

  it('rotation: a nonce minted under an old secret, listed second, is still accepted; new nonces use the new secret', async () => {
    reset()
    const old = await challengeNonce()
    const rotated = createGuard(guardOptions(issuer, clock, { dpop: { nonce: { secret: [SECRET_B, SECRET_A] } } }))
    await expect(rotated.verify(await client.request({ nonce: old }))).resolves.toMatchObject({ responseHeaders: {} })
    const fresh = await challengeNonce(rotated)
    expect(fresh).not.toBe(old)
    await expect(rotated.verify(await client.request({ nonce: fresh }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ nonce: fresh })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
    // Secrets as bytes work the same.
    const bytes = createGuard(guardOptions(issuer, clock, { dpop: { nonce: { secret: [encoder.encode(SECRET_B)] } } }))
    await expect(bytes.verify(await client.request({ nonce: fresh }))).resolves.toBeDefined()
  })

  it('DPOP-32 a proof refused for its nonce does not use up its jti', async () => {
    reset()
    const jti = crypto.randomUUID()
    const error = await expectRefusal(guard.verify(await client.request({ jti })), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_REQUIRED' })
    await expect(guard.verify(await client.request({ jti, nonce: error.headers['dpop-nonce'] as string }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ jti, nonce: error.headers['dpop-nonce'] as string })), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
  })

  it('C39 with nonces on, iat an hour off is still an invalid proof (iat is checked before the nonce)', async () => {
    reset()
    const nonce = await challengeNonce()
    for (const offset of [3600, -3600]) {
      await expectRefusal(guard.verify(await client.request({ nonce, iat: clock.seconds + offset })), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
    }
  })

  it('C40 with nonces on, a proof pre-generated for 2 h later is refused then for its stale nonce', async () => {
    reset()
    const longLived = await createClient(issuer, clock, { expiresIn: 3 * 3600 })
    const nonce = await challengeNonce(guard, longLived)
    const pregenerated = await longLived.request({ nonce, iat: clock.seconds + 7200 })
    clock.advance(7200)
    const error = await expectRefusal(guard.verify(pregenerated), { status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_INVALID' })
    expect(error.headers['dpop-nonce']).toMatch(NQCHAR)
  })

  it('C47 refusals for other reasons carry no stray DPoP-Nonce', async () => {
    reset()
    const nonce = await challengeNonce()
    const error = await expectRefusal(guard.verify(await client.request({ nonce, method: 'POST', requestMethod: 'GET' })), invalidProof('ERR_DPOP_HTM_MISMATCH'))
    expect(headerCount(error.headers, 'dpop-nonce')).toBe(0)
  })
})
