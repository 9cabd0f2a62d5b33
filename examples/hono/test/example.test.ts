import { describe, expect, it } from 'vitest'
import { runExample } from '../src/main.js'
import { formatChecks } from '../src/scenario.js'

// The same scenario runs under Bun, Deno and workerd in `npm run test:edge` (scripts/test-edge.mjs).
describe('the Hono example on Node', () => {
  it('accepts the DPoP request, refuses its replay, a request without a token and one without the scope', async () => {
    const checks = await runExample()
    expect(checks.map(({ title, status, ok }) => ({ title, status, ok }))).toEqual([
      { title: 'DPoP-bound token with a fresh proof', status: 200, ok: true },
      { title: 'the same request replayed', status: 401, ok: true },
      { title: 'no access token', status: 401, ok: true },
      { title: 'a token without the scope accounts:read', status: 403, ok: true },
    ])
    expect(checks[0]?.body).toMatchObject({ owner: 'alice' })
    expect(checks[2]?.wwwAuthenticate).toMatch(/^Bearer realm="api"/)
    expect(formatChecks('Node', checks)).toContain('ok   Node: the same request replayed: 401 (expected 401)')
  })
})
