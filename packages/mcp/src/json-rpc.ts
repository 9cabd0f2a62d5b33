import { GuardError } from '@fapi-guard/core'

/** One JSON-RPC request or notification of an MCP message: its method and the name it acts on. */
export interface McpCall {
  readonly method: string
  /** `params.name` (`tools/call`, `prompts/get`) or `params.uri` (`resources/read`), when it is a string. */
  readonly name: string | undefined
}

/** The `Mcp-Method` and `Mcp-Name` headers of a request, as received (absent: `undefined`). */
export interface McpHeaders {
  readonly method: string | undefined
  readonly name: string | undefined
}

function invalid(description: string): GuardError {
  return new GuardError('ERR_REQUEST_INVALID', description)
}

function readCall(message: unknown): McpCall | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw invalid('a JSON-RPC message must be an object')
  const { method, params } = message as { method?: unknown; params?: unknown }
  // A response to the server's own request (result or error) calls nothing.
  if (method === undefined) return undefined
  if (typeof method !== 'string') throw invalid('the JSON-RPC "method" must be a string')
  const { name, uri } = (typeof params === 'object' && params !== null ? params : {}) as { name?: unknown; uri?: unknown }
  return { method, name: typeof name === 'string' ? name : typeof uri === 'string' ? uri : undefined }
}

/**
 * The calls of a request to the MCP endpoint. A POST carries a JSON-RPC message or batch, parsed
 * already (`express.json()`, or the Fetch form's own parse): anything else is refused (400
 * `invalid_request`) — the requirements of a call that cannot be read cannot be checked. Other
 * methods (the GET of the SSE stream, the DELETE of a session) call nothing.
 *
 * `Mcp-Method` / `Mcp-Name`, where a client sends them, must say what the body says: a POST with
 * one call of that method (and that name), else 400 — a proxy routing on the headers and the server
 * running the body must not disagree on what is called.
 */
export function readCalls(method: string, body: unknown, headers: McpHeaders): readonly McpCall[] {
  let calls: McpCall[] = []
  if (method === 'POST') {
    if (typeof body !== 'object' || body === null) {
      throw invalid('the JSON-RPC body could not be read: send Content-Type: application/json (mount mcpAuth after express.json())')
    }
    const messages: unknown[] = Array.isArray(body) ? body : [body]
    calls = messages.map(readCall).filter((call): call is McpCall => call !== undefined)
  }
  if (headers.method === undefined && headers.name === undefined) return calls
  const [call] = calls
  if (calls.length !== 1 || call === undefined) throw invalid('Mcp-Method and Mcp-Name are for a request carrying one JSON-RPC call')
  if (headers.method !== undefined && headers.method !== call.method) throw invalid('the Mcp-Method header does not match the JSON-RPC method of the body')
  if (headers.name !== undefined && headers.name !== call.name) throw invalid('the Mcp-Name header does not match the name in the JSON-RPC body')
  return calls
}
