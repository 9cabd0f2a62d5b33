import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { REPLAY_STORE_TIMEOUT_MS } from '../../src/binding/verify-dpop-proof.js'
import { createGuard } from '../../src/node/index.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())
afterEach(() => {
  vi.useRealTimers()
})

describe('replay store failures', () => {
  const url = 'https://api.example.test/accounts'

  async function dpopRequest() {
    const key = await createDPoPKey('ES256')
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const proof = await createDPoPProof({ key, method: 'GET', url, accessToken: token })
    return { method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: proof } }
  }

  it('F01 a replay store that never answers is refused with 503 after the timeout, never let through', async () => {
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, dpop: { replayStore: { useOnce: () => new Promise<boolean>(() => {}) } } })
    const request = await dpopRequest()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    let settled = false
    const outcome = guard.verify(request).then(
      () => 'accepted',
      (error: unknown) => error,
    ).finally(() => {
      settled = true
    })
    // The guard reaches the store only after its crypto work (real I/O): let that run, then step the
    // fake clock, until the guard answers.
    let advanced = 0
    for (let round = 0; !settled && round < 20_000; round++) {
      await new Promise((resolve) => setImmediate(resolve))
      await vi.advanceTimersByTimeAsync(50)
      advanced += 50
    }
    expect(settled).toBe(true)
    expect(advanced).toBeGreaterThanOrEqual(REPLAY_STORE_TIMEOUT_MS)
    expect(await outcome).toMatchObject({ status: 503, code: 'ERR_REPLAY_STORE_UNAVAILABLE', headers: { 'retry-after': '5' } })
  })

  it('F01 a replay store that throws is refused with 503', async () => {
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, dpop: { replayStore: { useOnce: async () => { throw new Error('ECONNREFUSED 127.0.0.1:6379') } } } })
    const error = await guard.verify(await dpopRequest()).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 503, code: 'ERR_REPLAY_STORE_UNAVAILABLE' })
    expect(JSON.stringify(error)).not.toContain('ECONNREFUSED')
  })
})
