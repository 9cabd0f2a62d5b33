import { describe, expect, it } from 'vitest'
import { formatResults, runScenario } from '../src/scenario.js'

describe('the NestJS example', () => {
  it('accepts the token with accounts:read and refuses the one without', async () => {
    const [accepted, refused, ...rest] = await runScenario()
    expect(rest).toEqual([])

    expect(accepted?.status).toBe(200)
    expect(accepted?.wwwAuthenticate).toBeNull()
    expect(accepted?.body).toMatchObject({ owner: 'user-1', boundTo: expect.any(String), accounts: [{ id: 'acc-1', currency: 'EUR' }] })

    expect(refused?.status).toBe(403)
    expect(refused?.wwwAuthenticate).toMatch(/DPoP error="insufficient_scope", .*scope="accounts:read"/)
    expect(refused?.body).toEqual({ error: 'insufficient_scope', error_description: expect.any(String) })

    expect(formatResults([accepted!, refused!])).toContain('All 2 requests answered as expected.')
  })
})
