import type { GuardError } from './guard-error.js'

/**
 * The Fetch `Response` for a refusal: its status, its headers (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Retry-After`) and the JSON body `{ error, error_description }`. Pass an error that went through
 * `guard.verify` or `guard.toGuardError`, so it carries this guard's challenge.
 */
export function toResponse(error: GuardError): Response {
  return new Response(JSON.stringify(error.toJSON()), {
    status: error.status,
    headers: { ...error.headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
  })
}
