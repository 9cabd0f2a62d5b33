import { answerRefusal, type HTTPAnswer } from '../errors/answer-refusal.js'
import { GuardError, isGuardError } from '../errors/guard-error.js'
import type { Guard } from '@fapi-guard/core'

/**
 * The answer to a refusal, for an adapter to copy onto its framework's response: `guard.toGuardError(error)`'s
 * status; its challenge headers (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`, `x-fapi-interaction-id`)
 * plus `content-type: application/json` and `cache-control: no-store`; the body, the JSON text of
 * `{ error, error_description? }` (RFC 6750 §3). Any error becomes a refusal (fail closed). Without a
 * guard (middleware after the guard has none: `guardOf(auth)` finds it) the `GuardError` is answered
 * with the headers it has — those of its guard when `verify` or `authorize` threw it. Decides nothing
 * about the request. An error that is not a `GuardError` is answered as `ERR_INTERNAL` (500, no challenge).
 */
export function refusalResponse(guard: Guard | undefined, error: unknown): HTTPAnswer {
  if (guard !== undefined) return answerRefusal(guard.toGuardError(error))
  // Without a guard there is no challenge to add; an error that is not a refusal is still the server's fault, never a bad token.
  return answerRefusal(isGuardError(error) ? error : new GuardError({ code: 'ERR_INTERNAL', description: 'the request could not be checked', cause: error }))
}
