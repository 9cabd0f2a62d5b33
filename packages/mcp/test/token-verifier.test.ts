import { createClientCertificate, createDPoPKey, createTestIssuer, type TestIssuer } from '@fapi-guard/testing'
import { createGuard } from '@fapi-guard/core'
import { createTokenVerifier, fapiGuardContext } from '@fapi-guard/mcp'
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js'
import { InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, MCP_HEADERS, mcpHandler, rpc, type Running } from './support/servers.js'

// createTokenVerifier behind the SDK's own requireBearerAuth, on a real MCP server: the swap for a
// hand-written verifier. The hook sees the token only, so bound tokens are refused, saying why.

let issuer: TestIssuer
let running: Running
let resource: string
beforeAll(async () => {
  running = await listen()
  resource = running.url.href
  issuer = await createTestIssuer({ audience: resource })
  const verifier = createTokenVerifier({ issuer: issuer.issuer, resource })
  running.app.post('/mcp', requireBearerAuth({ verifier, expectedResource: running.url, requiredScopes: ['mcp:tools'] }), mcpHandler)
})
afterAll(async () => {
  await running?.close()
  await issuer?.close()
})

const call = (token: string) =>
  fetch(running.url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` }, body: JSON.stringify(rpc('tools/call', { name: 'read', arguments: {} })) })

describe('createTokenVerifier behind requireBearerAuth', () => {
  it('a valid unbound token for this server: the tool gets AuthInfo (clientId, scopes, expiresAt, resource) and the guard context', async () => {
    const exp = Math.floor(Date.now() / 1000) + 120
    const response = await call(await issuer.mintAccessToken({ scope: 'mcp:tools', exp }))
    expect(response.status).toBe(200)
    const { result } = (await response.json()) as { result: { content: Array<{ text: string }> } }
    expect(JSON.parse(result.content[0]?.text ?? '')).toEqual({ tool: 'read', clientId: 'client-1', scopes: ['mcp:tools'], resource, expiresAt: exp })
  })

  it.each([
    ['another server\'s token (aud)', { aud: 'https://other.example/mcp' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 600 }],
    ['a token of another issuer', { iss: 'https://evil.example' }],
  ])('%s → 401 invalid_token from the SDK, never 500', async (_name, claims) => {
    const response = await call(await issuer.mintAccessToken({ scope: 'mcp:tools', ...claims }))
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
  })

  it('a DPoP-bound token → 401 invalid_token saying the bound token needs mcpAuth', async () => {
    const token = await issuer.mintAccessToken({ scope: 'mcp:tools' }, { dpopKey: await createDPoPKey() })
    const response = await call(token)
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error_description: string }).error_description).toContain('mcpAuth')
  })

  it('a certificate-bound token → 401 invalid_token saying the bound token needs mcpAuth', async () => {
    const token = await issuer.mintAccessToken({ scope: 'mcp:tools' }, { certificate: createClientCertificate() })
    const response = await call(token)
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error_description: string }).error_description).toContain('mcpAuth')
  })

  it('garbage → 401; the token never appears in the answer', async () => {
    const response = await call('not-a-jwt-secret-value')
    expect(response.status).toBe(401)
    expect(`${response.headers.get('www-authenticate')}${await response.text()}`).not.toContain('not-a-jwt-secret-value')
  })

  it("the SDK's requiredScopes answers 403 for a token without them", async () => {
    const response = await call(await issuer.mintAccessToken({ scope: 'other' }))
    expect(response.status).toBe(403)
  })
})

describe('createTokenVerifier, directly', () => {
  it('refusals are the SDK error classes of the copy this module system loads', async () => {
    const verifier = createTokenVerifier({ issuer: issuer.issuer, resource })
    await expect(verifier.verifyAccessToken('garbage')).rejects.toBeInstanceOf(InvalidTokenError)
  })

  it('keys that cannot be fetched → ServerError (the SDK answers 500: it has no 503)', async () => {
    const down = await createTestIssuer({ audience: resource })
    const token = await down.mintAccessToken()
    down.down = true
    try {
      const verifier = createTokenVerifier({ issuer: down.issuer, resource, httpTimeout: 1000 })
      await expect(verifier.verifyAccessToken(token)).rejects.toBeInstanceOf(ServerError)
    } finally {
      await down.close()
    }
  })

  it('an existing guard: its resource becomes AuthInfo.resource; the context is its own', async () => {
    const guard = createGuard({ issuer: issuer.issuer, audience: resource, profile: 'oauth2', resource: { identifier: resource } })
    const info = await createTokenVerifier(guard).verifyAccessToken(await issuer.mintAccessToken())
    expect(info.resource?.href).toBe(resource)
    expect(fapiGuardContext(info)?.issuer).toBe(issuer.issuer)
  })

  it('a FAPI profile, or no resource, is a TypeError when it is built', () => {
    expect(() => createTokenVerifier({ issuer: issuer.issuer, resource, profile: 'fapi2' })).toThrow(/mcpAuth/)
    expect(() => createTokenVerifier(createGuard({ issuer: issuer.issuer, audience: resource, profile: 'oauth2' }))).toThrow(/resource/)
  })
})
