/**
 * An MCP server on the official SDK, protected by @fapi-guard/mcp: `mcpAuth` mounted app-wide after
 * the SDK's JSON parser verifies every request (DPoP-bound token, proof, nonce, replay, audience = this
 * server's URL), answers the RFC 9728 document, and holds each tool call to its tool's requirements.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { fapiGuardContext, mcpAuth } from '@fapi-guard/mcp'
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import * as z from 'zod'

/** The scope every call needs (initialize, tools/list, the read tool). */
export const READ_SCOPE = 'mcp:read'
/** The further scope the payment tool needs. */
export const PAYMENTS_SCOPE = 'payments'
/** The authentication level (`acr`, RFC 9470) the payment tool demands: a step-up. */
export const STRONG_ACR = 'urn:example:acr:strong'
/** Seconds since the user authenticated that the payment tool accepts. */
export const PAYMENT_MAX_AGE = 600

/** The MCP server: a read tool and a payment tool; each answers with what the guard verified. */
function createMcpServer(): McpServer {
  const server = new McpServer({ name: 'fapi-guard-example', version: '1.0.0' })
  server.registerTool('balance', { description: 'The balance of an account', inputSchema: { account: z.string() } }, async ({ account }, extra) => {
    const verified = fapiGuardContext(extra.authInfo)
    const text = JSON.stringify({ account, balance: '1024.00 EUR', subject: verified?.subject, dpop: verified?.binding.dpop?.jkt !== undefined })
    return { content: [{ type: 'text', text }] }
  })
  server.registerTool(
    'transfer',
    { description: 'Pays an amount from an account', inputSchema: { from: z.string(), to: z.string(), amount: z.string() } },
    async ({ from, to, amount }, extra) => {
      const text = JSON.stringify({ transferred: amount, from, to, clientId: extra.authInfo?.clientId, scopes: extra.authInfo?.scopes, acr: fapiGuardContext(extra.authInfo)?.claims.acr })
      return { content: [{ type: 'text', text }] }
    },
  )
  return server
}

/** Where the server is and how to stop it. */
export interface RunningMcpServer {
  /** The MCP endpoint: the resource indicator (RFC 8707) tokens are issued for. */
  readonly url: URL
  close(): Promise<void>
}

/** The authorization server the MCP server trusts, and how to reach it. */
export interface TrustedIssuer {
  readonly issuer: string
  /** The guard's `fetch` for the issuer's metadata and keys (the embedded AS's trusts its certificate). */
  readonly fetch?: typeof fetch
}

/** Options of `startMcpServer`. */
export interface McpServerOptions {
  /** Called once the server listens, with its URL (the resource its tokens must be issued for). */
  readonly trust: (resource: URL) => Promise<TrustedIssuer> | TrustedIssuer
  /** Port on 127.0.0.1. Default: any free one. */
  readonly port?: number
}

/** Starts the MCP server over HTTP on 127.0.0.1 (stateless Streamable HTTP, JSON answers). */
export async function startMcpServer(options: McpServerOptions): Promise<RunningMcpServer> {
  const app = createMcpExpressApp() // express.json() and Host checks for a loopback server
  const http: Server = app.listen(options.port ?? 0, '127.0.0.1')
  await once(http, 'listening')
  const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`)
  const close = () =>
    new Promise<void>((resolve, reject) => {
      http.closeAllConnections()
      http.close((error) => (error ? reject(error) : resolve()))
    })
  let trusted: TrustedIssuer
  try {
    trusted = await options.trust(url)
  } catch (error) {
    await close()
    throw error
  }

  app.use(
    mcpAuth({
      issuer: trusted.issuer,
      ...(trusted.fetch !== undefined && { fetch: trusted.fetch }),
      resource: { identifier: url.href, name: 'fapi-guard example MCP server', scopes: [READ_SCOPE, PAYMENTS_SCOPE] },
      scopes: [READ_SCOPE],
      dpop: { required: true, nonce: { secret: randomBytes(32) } },
      tools: { transfer: { scopes: [PAYMENTS_SCOPE], acrValues: [STRONG_ACR], maxAge: PAYMENT_MAX_AGE } },
    }),
  )
  app.post('/mcp', async (req, res) => {
    const server = createMcpServer()
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true }) // no sessionIdGenerator: stateless
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(req, res, req.body)
  })
  // Stateless: no SSE stream to open, no session to end (the client tolerates 405).
  app.all('/mcp', (_req, res) => {
    res.status(405).set('allow', 'POST').end()
  })

  return { url, close }
}
