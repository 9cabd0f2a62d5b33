import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { Express, RequestHandler } from 'express'
import { fapiGuardContext } from '@fapi-guard/mcp'

/** An MCP server whose tools answer with what they were told about the token (`extra.authInfo`). */
export function createMcpServer(): McpServer {
  const server = new McpServer({ name: 'test', version: '1.0.0' })
  for (const name of ['read', 'transfer', 'other']) {
    server.registerTool(name, { description: name }, async (extra) => {
      const info = extra.authInfo
      const text = JSON.stringify({ tool: name, clientId: info?.clientId, scopes: info?.scopes, resource: info?.resource?.href, expiresAt: info?.expiresAt, jkt: fapiGuardContext(info)?.binding.dpop?.jkt })
      return { content: [{ type: 'text', text }] }
    })
  }
  return server
}

/** The SDK's stateless Streamable HTTP handler, one server per request. */
export const mcpHandler: RequestHandler = async (req, res) => {
  const server = createMcpServer()
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true })
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await server.connect(transport)
  await transport.handleRequest(req, res, req.body)
}

export interface Running {
  readonly app: Express
  readonly url: URL
  close(): Promise<void>
}

/** `createMcpExpressApp()` listening on 127.0.0.1; the caller mounts its middleware and routes at `url` (`/mcp`). */
export async function listen(): Promise<Running> {
  const app = createMcpExpressApp()
  const http: Server = app.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`)
  const close = () =>
    new Promise<void>((resolve, reject) => {
      http.closeAllConnections()
      http.close((error) => (error ? reject(error) : resolve()))
    })
  return { app, url, close }
}

/** A JSON-RPC message to the MCP endpoint. */
export function rpc(method: string, params?: Record<string, unknown>, id: number | null = 1): Record<string, unknown> {
  return { jsonrpc: '2.0', ...(id !== null && { id }), method, ...(params !== undefined && { params }) }
}

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } as const
