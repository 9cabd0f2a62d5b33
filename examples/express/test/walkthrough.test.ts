import { describe, expect, it } from 'vitest'
import { formatResults, runWalkthrough } from '../src/walkthrough.js'

describe('the Express walkthrough', () => {
  it('gives every scenario its expected status', async () => {
    const results = await runWalkthrough()
    expect(results.map((result) => [result.title, result.status])).toEqual([
      ['certificate-bound token, with its certificate', 200],
      ['same token, another client certificate', 401],
      ['no token', 401],
      ['token without scope accounts:read', 403],
      ['same token, certificate forwarded by a trusted proxy', 200],
    ])
    for (const result of results) expect(result.ok).toBe(true)

    const [allowed, otherCertificate, noToken, narrow, proxied] = results
    expect(allowed?.wwwAuthenticate).toBeUndefined()
    expect(otherCertificate?.wwwAuthenticate).toContain('error="invalid_token"')
    expect(noToken?.wwwAuthenticate).toMatch(/^Bearer realm="api"/)
    expect(noToken?.wwwAuthenticate).not.toContain('error=')
    expect(narrow?.wwwAuthenticate).toContain('error="insufficient_scope"')
    expect(narrow?.wwwAuthenticate).toContain('scope="accounts:read"')
    expect(proxied?.wwwAuthenticate).toBeUndefined()

    const table = formatResults(results)
    expect(table).toContain('All 5 requests answered as expected.')
    expect(table).toContain('WWW-Authenticate: Bearer realm="api"')
  })
})
