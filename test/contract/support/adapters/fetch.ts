import { createGuard, toResponse, verifyOptional, type AuthContext, type RequestLike, type VerifyOptions } from '@fapi-guard/core'
import { metadataResponse } from '@fapi-guard/core/adapter'
import { GUARD_NAMES, guardOptions, isPassthrough, type Fixtures, type GuardName } from '../fixtures.js'
import { parseBody } from '../https.js'
import { ROUTES, routeBody } from '../routes.js'
import type { Adapter, Answer, ContractRequest, Target } from '../target.js'

const REQUIREMENTS: ReadonlyMap<string, VerifyOptions | undefined> = new Map(
  Object.values(ROUTES).map(({ path, ...requirements }) => [path, Object.keys(requirements).length === 0 ? undefined : requirements]),
)

/**
 * The contract app as a Fetch handler (Workers, Deno, Bun, Lambda function URLs): `guard.verify(request,
 * requirements)` and `toResponse(error)`, the metadata answer from `metadataResponse` (`@fapi-guard/core/adapter`);
 * with `passthrough`, `verifyOptional(guard, request, requirements)` (no credentials → no auth).
 */
export function createFetchHandler(name: GuardName, fixtures: Fixtures): (request: Request | RequestLike) => Promise<Response> {
  const guard = createGuard(guardOptions(name, fixtures))
  const passthrough = isPassthrough(name)
  return async (request) => {
    const metadata = metadataResponse(guard, request)
    if (metadata !== undefined) return new Response(metadata.body, metadata)
    const { pathname } = new URL(request.url)
    if (request.method !== 'GET' || !REQUIREMENTS.has(pathname)) return Response.json({ error: 'not_found' }, { status: 404 })
    try {
      const requirements = REQUIREMENTS.get(pathname)
      const auth: AuthContext | undefined = passthrough ? await verifyOptional(guard, request, requirements) : await guard.verify(request, requirements)
      return Response.json(routeBody(auth), { headers: auth?.responseHeaders ?? {} })
    } catch (error) {
      return toResponse(guard.toGuardError(error))
    }
  }
}

/** Where the Fetch handler is deployed, as the client addresses it (no socket: the platform hands the request over). */
const FETCH_ORIGIN = 'https://fetch-handler.internal.test:8443'
/** The peer a serverless platform reports (here: the loopback proxy in front of it). */
const PEER_ADDRESS = '127.0.0.1'

/**
 * Builds a Fetch `Request` from the contract request (repeated headers appended, as a Fetch runtime
 * joins them). What a platform knows about the connection — the TLS client certificate, the peer
 * address — is not part of a `Request`: when the case needs it, the handler gets a `RequestLike`
 * with the `Request`'s method, URL and headers plus `clientCertificate` and `peerAddress`.
 */
function toFetchInput(name: GuardName, request: ContractRequest): Request | RequestLike {
  const headers = new Headers()
  for (const [field, value] of Object.entries(request.headers ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) headers.append(field, item)
  }
  const fetchRequest = new Request(new URL(request.path, FETCH_ORIGIN), { method: request.method ?? 'GET', headers })
  if (request.certificate === undefined && name !== 'proxy') return fetchRequest
  return {
    method: fetchRequest.method,
    url: fetchRequest.url,
    headers: fetchRequest.headers,
    peerAddress: PEER_ADDRESS,
    clientCertificate: request.certificate?.der,
  }
}

/** The answer as a client gets it: a platform sends no body for HEAD (RFC 9110 §9.3.2). */
async function toAnswer(response: Response, method = 'GET'): Promise<Answer> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, field) => {
    headers[field] = value
  })
  const contentType = headers['content-type']
  return { status: response.status, headers, contentType, body: parseBody(contentType, method === 'HEAD' ? '' : await response.text()) }
}

export const fetchAdapter: Adapter = {
  name: 'Fetch handler',
  async start(fixtures) {
    const handlers = new Map(GUARD_NAMES.map((name) => [name, createFetchHandler(name, fixtures)]))
    return {
      origin: () => FETCH_ORIGIN,
      send: async (name, request) => toAnswer(await (handlers.get(name) as (input: Request | RequestLike) => Promise<Response>)(toFetchInput(name, request)), request.method),
      close: async () => {},
    } satisfies Target
  },
}
