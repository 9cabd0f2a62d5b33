import { answerRefusal, type HTTPAnswer } from '../errors/answer-refusal.js'
import type { Guard } from '../guard.js'

/**
 * The answer to a refusal, for an adapter to copy onto its framework's response: `guard.toGuardError(error)`'s
 * status; its challenge headers (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`, `x-fapi-interaction-id`)
 * plus `content-type: application/json` and `cache-control: no-store`; the body, the JSON text of
 * `{ error, error_description? }` (RFC 6750 §3). Any error becomes a refusal (fail closed); it decides
 * nothing about the request.
 */
export function refusalResponse(guard: Guard, error: unknown): HTTPAnswer {
  return answerRefusal(guard.toGuardError(error))
}
