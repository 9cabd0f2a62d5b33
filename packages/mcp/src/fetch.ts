import { GuardError, type AuthContext, type ClientCertificate, type Guard } from '@fapi-guard/core'
import { metadataResponse, refusalResponse, type HTTPAnswer } from '@fapi-guard/core/adapter'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { McpAuthOptions } from './express.js'
import { admit, buildGate, headerValue } from './gate.js'
import type { McpCallOptions } from './options.js'

/** A request `mcpAuthFetch` let in: hand `authInfo` and `body` to the SDK's transport. */
export interface McpFetchAuth {
  /** The SDK's `AuthInfo`: `transport.handleRequest(request, { authInfo, parsedBody: body })`. */
  readonly authInfo: AuthInfo
  /** The guard's `AuthContext` (also in `authInfo.extra.fapiGuard`). */
  readonly context: AuthContext
  /** Headers to add to the response (a fresh `DPoP-Nonce`). */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON-RPC body the requirements were read from (`undefined` when the request has none). */
  readonly body: unknown
}

/** What the platform knows about the request beyond the Fetch `Request`. */
export interface McpFetchRequestOptions {
  /** The body already parsed (Hono's `c.req.json()`); else the gate reads a POST's body from a clone of the request. */
  readonly body?: unknown
  /** The TLS client certificate, for certificate-bound tokens. */
  readonly clientCertificate?: ClientCertificate
  /** The connection's peer, for `proxy.trusted`. */
  readonly peerAddress?: string
}

/** The Fetch gate: a `Response` to send as it is (the metadata document or a refusal), or the admitted request. */
export type McpFetchGate = (request: Request, options?: McpFetchRequestOptions) => Promise<McpFetchAuth | Response>

function toResponse({ status, headers, body }: HTTPAnswer, method: string): Response {
  return new Response(method === 'HEAD' ? null : body, { status, headers })
}

async function readBody(request: Request, options: McpFetchRequestOptions | undefined): Promise<unknown> {
  if (options !== undefined && 'body' in options) return options.body
  if (request.method !== 'POST') return undefined
  try {
    return JSON.parse(await request.clone().text()) as unknown
  } catch {
    throw new GuardError('ERR_REQUEST_INVALID', 'the JSON-RPC body is not JSON')
  }
}

/** `mcpAuthFetch` around a guard you built with the core's `createGuard` (it needs a `resource`). */
export function mcpAuthFetch(existingGuard: Guard, options?: McpCallOptions): McpFetchGate
/**
 * `mcpAuth` for Fetch hosting (Hono, Workers, Deno, Bun; the SDK's `WebStandardStreamableHTTPServerTransport`):
 * the same checks and answers. `await gate(request)` gives a `Response` to return as it is (the RFC 9728
 * document, or a refusal with its challenge and `Cache-Control: no-store`), or `{ authInfo, context,
 * headers, body }`: pass `authInfo` and `body` (as `parsedBody`) to the transport and add `headers` to its response.
 */
export function mcpAuthFetch(options: McpAuthOptions): McpFetchGate
export function mcpAuthFetch(first: McpAuthOptions | Guard, second?: McpCallOptions): McpFetchGate {
  const gate = buildGate(first, second, 'mcpAuthFetch()')
  return async (request, options) => {
    const metadata = metadataResponse(gate.guard, request)
    if (metadata !== undefined) return toResponse(metadata, request.method)
    try {
      const body = await readBody(request, options)
      const headers = { method: headerValue(request.headers.get('mcp-method')), name: headerValue(request.headers.get('mcp-name')) }
      const target = { method: request.method, url: request.url, headers: request.headers, clientCertificate: options?.clientCertificate, peerAddress: options?.peerAddress }
      const { auth, authInfo } = await admit(gate, target, body, headers)
      return { authInfo, context: auth, headers: auth.responseHeaders, body }
    } catch (error) {
      return toResponse(refusalResponse(gate.guard, error), request.method)
    }
  }
}
