import type { AuthContext, Guard, RequestLike } from '@fapi-guard/core'
import { authorize } from '@fapi-guard/core/adapter'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { toAuthInfo } from './auth-info.js'
import { readCalls, type McpHeaders } from './json-rpc.js'
import { resolveMcpGate, type RequirementTables } from './options.js'
import { callRequirements } from './requirements.js'

/** A built gate: the guard, the MCP server's URL, the per-call requirements. */
export interface McpGate {
  readonly guard: Guard
  readonly resource: URL
  readonly tables: RequirementTables
}

/** A request the gate let in. */
export interface Admitted {
  readonly auth: AuthContext
  readonly authInfo: AuthInfo
}

export function buildGate(first: unknown, second: unknown, where: string): McpGate {
  return resolveMcpGate(first, second, where)
}

/** A header value as Node or Fetch gives it; a repeated field comes joined, and so matches no JSON-RPC method or name. */
export function headerValue(value: string | readonly string[] | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined
  return typeof value === 'string' ? value : value.join(', ')
}

/**
 * Everything fapi-guard checks, for one request to the MCP endpoint: the calls read from the body
 * (and the `Mcp-Method` / `Mcp-Name` headers held to it), then `guard.verify` with every scope the
 * calls need, then their step-up and claim requirements with `authorize`. Rejects with the
 * refusal (a `GuardError`, or anything `refusalResponse` turns into one).
 */
export async function admit(gate: McpGate, request: RequestLike, body: unknown, headers: McpHeaders): Promise<Admitted> {
  // Read before the token is verified: a request whose calls cannot be read leaves its DPoP proof unused.
  const requirements = callRequirements(readCalls(request.method, body, headers), gate.tables)
  const auth = await gate.guard.verify(request, requirements.verify)
  for (const more of requirements.then) authorize(auth, more)
  return { auth, authInfo: toAuthInfo(auth, gate.resource) }
}
