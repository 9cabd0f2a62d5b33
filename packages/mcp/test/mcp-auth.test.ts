import { randomBytes } from 'node:crypto'
import { createDPoPKey, createDPoPProof, createTestIssuer, type DPoPKey, type TestIssuer } from '@fapi-guard/testing'
import { mcpAuth } from '@fapi-guard/mcp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, MCP_HEADERS, mcpHandler, rpc, type Running } from './support/servers.js'

// mcpAuth on the SDK's Express hosting. The contract table (test/contract) does not apply as it is:
// its per-route requirements and passthrough cases are GETs to five paths, while an MCP server has one
// endpoint whose requirements come from the JSON-RPC body of a POST, and MCP has no anonymous access.
// The contract's facts that hold for MCP run here: no credentials, an invalid token, a replayed proof,
// one insufficient_scope challenge, no-store on refusals, the metadata document with the DPoP fields.

const STRONG = 'urn:example:acr:strong'
let issuer: TestIssuer
let key: DPoPKey
let running: Running
let url: string
beforeAll(async () => {
  running = await listen()
  url = running.url.href
  issuer = await createTestIssuer({ audience: url })
  key = await createDPoPKey()
  running.app.use(
    mcpAuth({
      issuer: issuer.issuer,
      resource: url,
      scopes: ['mcp:read'],
      tools: { transfer: { scopes: ['payments'], acrValues: [STRONG] } },
      methods: { 'tools/call': { scopes: ['mcp:tools'] } },
    }),
  )
  running.app.post('/mcp', mcpHandler)
  running.app.get('/mcp', (req, res) => {
    res.status(405).json({ fapiGuard: req.fapiGuard?.subject })
  })
})
afterAll(async () => {
  await running?.close()
  await issuer?.close()
})

async function post(body: unknown, options: { claims?: Record<string, unknown>; headers?: Record<string, string>; proof?: string; token?: string } = {}) {
  const token = options.token ?? (await issuer.mintAccessToken({ scope: 'mcp:read', ...options.claims }, { dpopKey: key }))
  const dpop = options.proof ?? (await createDPoPProof(key, { method: 'POST', url, accessToken: token }))
  const response = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `DPoP ${token}`, dpop, ...options.headers }, body: JSON.stringify(body) })
  return { response, dpop, token }
}

const tool = (name: string) => rpc('tools/call', { name, arguments: {} })

describe('mcpAuth: the contract facts on an MCP endpoint', () => {
  it('no credentials → 401 with the challenge naming resource_metadata, no-store', async () => {
    const response = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(rpc('initialize')) })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', url).href}"`)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('the RFC 9728 document at the path-inserted well-known URL, with the DPoP and certificate fields (GET and HEAD)', async () => {
    const location = new URL('/.well-known/oauth-protected-resource/mcp', url)
    const response = await fetch(location)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ resource: url, authorization_servers: [issuer.issuer], dpop_signing_alg_values_supported: expect.any(Array), tls_client_certificate_bound_access_tokens: true })
    expect((await fetch(location, { method: 'HEAD' })).status).toBe(200)
  })

  it('an invalid token → 401 invalid_token, no-store', async () => {
    const { response } = await post(rpc('ping'), { token: 'garbage' })
    expect(response.status).toBe(401)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toMatchObject({ error: 'invalid_token' })
  })

  it("another server's token (aud) → 401 invalid_token", async () => {
    const { response } = await post(rpc('ping'), { claims: { aud: 'https://other.example/mcp' } })
    expect(response.status).toBe(401)
  })

  it('a valid DPoP-bound token → the tool gets the SDK AuthInfo and the guard context; a replayed proof → 401 invalid_dpop_proof', async () => {
    const { response, dpop, token } = await post(rpc('tools/call', { name: 'read', arguments: {} }), { claims: { scope: 'mcp:read mcp:tools' } })
    expect(response.status).toBe(200)
    const { result } = (await response.json()) as { result: { content: Array<{ text: string }> } }
    expect(JSON.parse(result.content[0]?.text ?? '')).toMatchObject({ tool: 'read', clientId: 'client-1', scopes: ['mcp:read', 'mcp:tools'], resource: url, jkt: key.thumbprint })
    const replayed = await post(rpc('ping'), { token, proof: dpop })
    expect(replayed.response.status).toBe(401)
    expect(replayed.response.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"')
  })

  it('initialize, tools/list and notifications need the base scope only', async () => {
    expect((await post(rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } }))).response.status).toBe(200)
    expect((await post(rpc('tools/list'))).response.status).toBe(200)
    expect((await post(rpc('notifications/initialized', undefined, null))).response.status).toBe(202)
  })

  it('a tool call lacking scopes → one 403 insufficient_scope naming every scope the call needs, no-store', async () => {
    const { response } = await post(tool('transfer'), { claims: { scope: 'mcp:read', acr: STRONG } })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp:read mcp:tools payments"')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it("the tool's step-up: no acr → 401 insufficient_user_authentication; the acr → 200", async () => {
    const scope = 'mcp:read mcp:tools payments'
    const weak = await post(tool('transfer'), { claims: { scope } })
    expect(weak.response.status).toBe(401)
    expect(weak.response.headers.get('www-authenticate')).toContain(`acr_values="${STRONG}"`)
    expect((await post(tool('transfer'), { claims: { scope, acr: STRONG } })).response.status).toBe(200)
  })

  it('a batch needs what each of its calls needs', async () => {
    const { response } = await post([tool('read'), { ...tool('transfer'), id: 2 }], { claims: { scope: 'mcp:read mcp:tools' } })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp:read mcp:tools payments"')
  })

  it('Mcp-Method / Mcp-Name that agree with the body pass; disagreeing → 400 invalid_request before the token is checked', async () => {
    const claims = { scope: 'mcp:read mcp:tools' }
    expect((await post(tool('read'), { claims, headers: { 'mcp-method': 'tools/call', 'mcp-name': 'read' } })).response.status).toBe(200)
    for (const headers of [{ 'mcp-name': 'read' }, { 'mcp-method': 'tools/list' }]) {
      const { response, dpop, token } = await post(tool('transfer'), { claims, headers })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ error: 'invalid_request' })
      // The proof was not used: the request was refused before it was read.
      expect((await post(tool('read'), { token, proof: dpop })).response.status).toBe(200)
    }
  })

  it('a POST whose body was not parsed as JSON → 400 invalid_request (its calls cannot be held to their requirements)', async () => {
    const token = await issuer.mintAccessToken({ scope: 'mcp:read mcp:tools payments' }, { dpopKey: key })
    const dpop = await createDPoPProof(key, { method: 'POST', url, accessToken: token })
    const response = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, 'content-type': 'text/plain; application/json', authorization: `DPoP ${token}`, dpop }, body: JSON.stringify(tool('transfer')) })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('the GET of the SSE stream is verified too (its own proof), then reaches the route with req.fapiGuard', async () => {
    const token = await issuer.mintAccessToken({ scope: 'mcp:read' }, { dpopKey: key })
    const dpop = await createDPoPProof(key, { method: 'GET', url, accessToken: token })
    const response = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `DPoP ${token}`, dpop } })
    expect(response.status).toBe(405)
    expect(await response.json()).toEqual({ fapiGuard: 'user-1' })
  })
})

describe('mcpAuth options', () => {
  it('checks tool requirements when it is built', () => {
    expect(() => mcpAuth({ issuer: issuer.issuer, resource: url, tools: { transfer: { scopes: [] } } })).toThrow(/tools\["transfer"\]/)
    expect(() => mcpAuth({ issuer: issuer.issuer } as never)).toThrow(/resource/)
  })

  it('DPoP nonces: the challenge carries DPoP-Nonce and a retry with it passes', async () => {
    const served = await listen()
    try {
      served.app.use(mcpAuth({ issuer: issuer.issuer, resource: served.url, audience: url, dpop: { nonce: { secret: randomBytes(32) } } }))
      served.app.post('/mcp', mcpHandler)
      const token = await issuer.mintAccessToken({}, { dpopKey: key })
      const send = async (nonce?: string) =>
        fetch(served.url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `DPoP ${token}`, dpop: await createDPoPProof(key, { method: 'POST', url: served.url.href, accessToken: token, ...(nonce !== undefined && { nonce }) }) }, body: JSON.stringify(rpc('ping')) })
      const first = await send()
      expect(first.status).toBe(401)
      expect(first.headers.get('www-authenticate')).toContain('use_dpop_nonce')
      expect((await send(first.headers.get('dpop-nonce') ?? '')).status).toBe(200)
    } finally {
      await served.close()
    }
  })
})
