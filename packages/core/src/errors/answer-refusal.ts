import type { GuardError } from './guard-error.js'

/** A refusal is answered to one request's credentials: no cache may store it or hand it, or its `DPoP-Nonce`, to another client (RFC 9111 §5.2.2.5). */
const REFUSAL_CACHE_CONTROL = 'no-store'

/** An HTTP answer as plain data, for any framework to copy: status, header fields (lower-case names), body text. */
export interface HTTPAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * The one place that decides how a refusal is answered: the error's status; its headers
 * (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`, `x-fapi-interaction-id`) plus
 * `content-type: application/json` and `cache-control: no-store`; the body `{ error, error_description? }`
 * (RFC 6750 §3). Give it an error that has its guard's challenge (`guard.toGuardError`).
 */
export function answerRefusal(error: GuardError): HTTPAnswer {
  return {
    status: error.status,
    headers: { ...error.headers, 'content-type': 'application/json', 'cache-control': REFUSAL_CACHE_CONTROL },
    body: JSON.stringify(error.toJSON()),
  }
}
