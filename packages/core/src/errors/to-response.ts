import { answerRefusal } from './answer-refusal.js'
import type { GuardError } from './guard-error.js'

/**
 * The Fetch `Response` for a refusal: its status, its headers (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Retry-After`, `Cache-Control: no-store`) and the JSON body `{ error, error_description }`, as
 * `refusalResponse` of `@fapi-guard/core/adapter` decides them. Pass an error that went through
 * `guard.verify` or `guard.toGuardError`, so it carries this guard's challenge.
 */
export function toResponse(error: GuardError): Response {
  const { status, headers, body } = answerRefusal(error)
  return new Response(body, { status, headers })
}
