import { describe, expect, it } from 'vitest'
import { formatResults, runExample } from '../src/main.js'

describe('the Fastify example', () => {
  it('accepts the token with its certificate and refuses it with another', async () => {
    const [accepted, refused, ...rest] = await runExample()
    expect(rest).toEqual([])
    expect(accepted).toMatchObject({ status: 200, wwwAuthenticate: undefined, body: { owner: 'alice' } })
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    expect(refused?.wwwAuthenticate).toMatch(/^Bearer realm="api", error="invalid_token"/)
    expect(formatResults([accepted!, refused!])).toContain('the same token with another certificate: 401 (expected 401)')
  })
})
