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
 * about the request.
 */
export function refusalResponse(guard: Guard | undefined, error: unknown): HTTPAnswer {
  if (guard !== undefined) return answerRefusal(guard.toGuardError(error))
  return answerRefusal(isGuardError(error) ? error : new GuardError('ERR_TOKEN_MALFORMED', 'the access token could not be processed'))
}
