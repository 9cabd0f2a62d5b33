import { createDPoPKey, createDPoPProof, createTestIssuer, type DPoPKey, type TestIssuer } from '@fapi-guard/testing'
import { mcpAuthFetch, type McpFetchGate } from '@fapi-guard/mcp'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpServer, MCP_HEADERS, rpc } from './support/servers.js'

// The Fetch form (Hono, Workers): Fetch Requests in, the SDK's web-standard transport behind it.

const URL_OF_SERVER = 'https://mcp.example.test/mcp'
let issuer: TestIssuer
let key: DPoPKey
let gate: McpFetchGate
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: URL_OF_SERVER })
  key = await createDPoPKey()
  gate = mcpAuthFetch({ issuer: issuer.issuer, resource: URL_OF_SERVER, tools: { transfer: { scopes: ['payments'] } } })
})
afterAll(() => issuer?.close())

/** The application: the gate, then the SDK transport with the gate's AuthInfo and parsed body. */
async function handle(request: Request): Promise<Response> {
  const admitted = await gate(request)
  if (admitted instanceof Response) return admitted
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
  await createMcpServer().connect(transport)
  const response = await transport.handleRequest(request, { authInfo: admitted.authInfo, parsedBody: admitted.body })
  for (const [name, value] of Object.entries(admitted.headers)) response.headers.set(name, value)
  return response
}

async function request(body: unknown, scope = 'mcp:read'): Promise<Request> {
  const token = await issuer.mintAccessToken({ scope }, { dpopKey: key })
  const dpop = await createDPoPProof(key, { method: 'POST', url: URL_OF_SERVER, accessToken: token })
  return new Request(URL_OF_SERVER, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `DPoP ${token}`, dpop }, body: JSON.stringify(body) })
}

describe('mcpAuthFetch', () => {
  it('a permitted tool call reaches the tool with the SDK AuthInfo', async () => {
    const response = await handle(await request(rpc('tools/call', { name: 'read', arguments: {} })))
    expect(response.status).toBe(200)
    const { result } = (await response.json()) as { result: { content: Array<{ text: string }> } }
    expect(JSON.parse(result.content[0]?.text ?? '')).toMatchObject({ tool: 'read', scopes: ['mcp:read'], resource: URL_OF_SERVER, jkt: key.thumbprint })
  })

  it("a tool call lacking the tool's scope → 403 insufficient_scope, no-store", async () => {
    const response = await handle(await request(rpc('tools/call', { name: 'transfer', arguments: {} })))
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="payments"')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('no credentials → 401 naming resource_metadata; a body that is not JSON → 400', async () => {
    const none = await handle(new Request(URL_OF_SERVER, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(rpc('ping')) }))
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toContain('resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"')
    const broken = await handle(new Request(URL_OF_SERVER, { method: 'POST', headers: MCP_HEADERS, body: '{' }))
    expect(broken.status).toBe(400)
  })

  it('answers the RFC 9728 document', async () => {
    const response = await handle(new Request('https://mcp.example.test/.well-known/oauth-protected-resource/mcp'))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ resource: URL_OF_SERVER, dpop_bound_access_tokens_required: false })
  })
})
