import { requestFromNode, type Guard } from '@fapi-guard/core'
import { metadataResponse, refusalResponse, type HTTPAnswer } from '@fapi-guard/core/adapter'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { Request, RequestHandler, Response } from 'express'
import { admit, buildGate, headerValue } from './gate.js'
import type { McpCallOptions, McpGuardOptions } from './options.js'

/** Options of `mcpAuth(options)` and `mcpAuthFetch(options)`: the guard's, and the per-call requirements. */
export interface McpAuthOptions extends McpGuardOptions, McpCallOptions {}

function send(res: Response, answer: HTTPAnswer): void {
  res.status(answer.status).set(answer.headers).send(answer.body)
}

/** `mcpAuth` around a guard you built with the core's `createGuard` (it needs a `resource`). */
export function mcpAuth(existingGuard: Guard, options?: McpCallOptions): RequestHandler
/**
 * Express middleware for the MCP SDK's Express hosting (`createMcpExpressApp()`, or `express.json()`
 * before it): mount it app-wide. It answers the RFC 9728 document at the MCP endpoint's path-inserted
 * well-known URL, and lets a request through only when everything fapi-guard checks holds — the
 * token (audience = the MCP server's URL), its DPoP proof (nonces and replay included) or client
 * certificate, and the requirements of the JSON-RPC call in the body (`tools`, `methods`). Then
 * `req.auth` is the SDK's `AuthInfo` (tool handlers receive it as `extra.authInfo`), `req.fapiGuard`
 * the guard's `AuthContext`, and the guard's response headers (`DPoP-Nonce`) are set. A refusal is
 * answered here: 401/403 with the challenge naming `resource_metadata`, 400 for a body or
 * `Mcp-Method` / `Mcp-Name` header that cannot be held to the call, `Cache-Control: no-store`.
 */
export function mcpAuth(options: McpAuthOptions): RequestHandler
export function mcpAuth(first: McpAuthOptions | Guard, second?: McpCallOptions): RequestHandler {
  const gate = buildGate(first, second, 'mcpAuth()')
  return function fapiGuardMcp(req: Request, res: Response, next: (error?: unknown) => void): void {
    const metadata = metadataResponse(gate.guard, { method: req.method, url: req.originalUrl })
    if (metadata !== undefined) {
      send(res, metadata)
      return
    }
    const headers = { method: headerValue(req.headers['mcp-method']), name: headerValue(req.headers['mcp-name']) }
    let admitted: ReturnType<typeof admit>
    try {
      admitted = admit(gate, requestFromNode(req, req.originalUrl), req.body, headers)
    } catch (error) {
      send(res, refusalResponse(gate.guard, error))
      return
    }
    admitted
      .then(
        ({ auth, authInfo }) => {
          // The SDK declares `req.auth` as its AuthInfo; typed here without taking its Express augmentation.
          ;(req as Request & { auth?: AuthInfo }).auth = authInfo
          req.fapiGuard = auth
          for (const name in auth.responseHeaders) res.setHeader(name, auth.responseHeaders[name] as string)
          next()
        },
        (error: unknown) => send(res, refusalResponse(gate.guard, error)),
      )
      // Whatever throws after the decision (a handler next() ran synchronously) goes to Express.
      .catch(next)
  }
}
