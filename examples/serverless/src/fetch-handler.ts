import { createGuard, toResponse, type GuardOptions } from '@fapi-guard/core'

/**
 * A Fetch handler (`(request: Request) => Promise<Response>`, the shape of Cloudflare Workers,
 * Deno.serve, Bun.serve and Hono): `GET /accounts` needs a valid, sender-constrained access token with
 * scope `accounts:read`. The guard is built once, outside the handler; its options are checked then.
 */
export function createFetchHandler(options: GuardOptions): (request: Request) => Promise<Response> {
  const guard = createGuard(options)
  return async (request) => {
    const { pathname } = new URL(request.url)
    if (request.method !== 'GET' || pathname !== '/accounts') return Response.json({ error: 'not_found' }, { status: 404 })
    try {
      const auth = await guard.verify(request, { scopes: ['accounts:read'] })
      return Response.json(
        { owner: auth.subject, accounts: [{ id: 'acc-1', currency: 'EUR', balance: '1024.50' }] },
        { headers: auth.responseHeaders }, // e.g. a renewed DPoP-Nonce
      )
    } catch (error) {
      // Status, WWW-Authenticate (and DPoP-Nonce / Retry-After) and { error, error_description }.
      return toResponse(guard.toGuardError(error))
    }
  }
}
