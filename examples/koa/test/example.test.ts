import { describe, expect, it } from 'vitest'
import { formatResults, runExample } from '../src/main.js'

describe('the Koa example', () => {
  it('accepts the DPoP request and refuses its replay', async () => {
    const [accepted, refused, ...rest] = await runExample()
    expect(rest).toEqual([])
    expect(accepted).toMatchObject({ status: 200, wwwAuthenticate: undefined, body: { owner: 'alice' } })
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
    expect(refused?.wwwAuthenticate).toMatch(/DPoP error="invalid_dpop_proof"/)
    expect(formatResults([accepted!, refused!])).toContain('the same request replayed: 401 (expected 401)')
  })
})
