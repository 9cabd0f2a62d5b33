import type { GuardError } from '@fapi-guard/core'
import type { Context } from 'koa'

/**
 * Answers a refusal: the error's status, its headers (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Retry-After`) and the JSON body `{ error, error_description }` (RFC 6750 §3). Nothing is added
 * or interpreted here.
 */
export function sendGuardError(ctx: Context, error: GuardError): void {
  ctx.status = error.status
  ctx.set(error.headers)
  ctx.body = error.toJSON()
}
