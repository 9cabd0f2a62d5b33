import { isGuardError, type AuthenticationRequirement, type AuthorizationDetailRequirement, type ClaimRequirement, type VerifyOptions } from '@fapi-guard/core'
import { authorize, defineAuthentication, defineAuthorizationDetails, defineClaims, defineRequirements, defineScopes, passedRefusal, refusalResponse } from '@fapi-guard/core/adapter'
import type { Context, MiddlewareHandler } from 'hono'
import type { FapiGuardEnv } from './env.js'
import { sendAnswer } from './send-answer.js'

/** Middleware checking requirements already defined (core `define*`) with the guard that verified `c.get('auth')`. */
function authorizing(requirements: VerifyOptions, where: string): MiddlewareHandler<FapiGuardEnv> {
  return async function fapiRequireAuthorization(c, next) {
    const auth = c.get('auth') as FapiGuardEnv['Variables']['auth'] | undefined
    if (auth === undefined) {
      const refusal = passedRefusal(c)
      if (refusal === undefined) throw new Error(`fapi-guard: ${where} ran without fapiGuard() before it on this route; put fapiGuard(options) first`)
      return sendAnswer(c, refusalResponse(undefined, refusal))
    }
    try {
      authorize(auth, requirements, c)
    } catch (error) {
      // A TypeError (`auth` not made by a guard) is the application's bug: Hono's onError gets it.
      if (!isGuardError(error)) throw error
      return sendAnswer(c, refusalResponse(undefined, error))
    }
    await next()
  }
}

/**
 * Per-route requirements on a verified token (scopes, RFC 9470 step-up, claims, authorization details — whose `check` gets `c`), checked by the
 * guard that handled the request (core `authorize`) and answered the way that guard does. Place it
 * after `fapiGuard()`. The requirements are checked when the middleware is made (core
 * `defineRequirements`, `TypeError`). A request `passthrough` let on without credentials gets the 401
 * challenge it would have had. Checks only the claims of the verified token; the token itself was
 * checked by `fapiGuard()`.
 */
export function requireAuthorization(requirements: VerifyOptions, where = 'requireAuthorization()'): MiddlewareHandler<FapiGuardEnv> {
  return authorizing(defineRequirements(requirements, where), where)
}

/** Every scope named must be granted, else 403 `insufficient_scope` with `scope="…"` (RFC 6750 §3.1). */
export function requireScopes(...scopes: string[]): MiddlewareHandler<FapiGuardEnv> {
  return authorizing(defineScopes(scopes, 'requireScopes()'), 'requireScopes()')
}

/**
 * Step-up (RFC 9470): the token's `acr` is one of `acrValues` and/or its `auth_time` is at most
 * `maxAge` seconds old, else 401 `insufficient_user_authentication` with `acr_values` / `max_age` in
 * the challenge. A `TypeError` when it names neither.
 */
export function requireAuthentication(requirement: AuthenticationRequirement): MiddlewareHandler<FapiGuardEnv> {
  return authorizing(defineAuthentication(requirement, 'requireAuthentication()'), 'requireAuthentication()')
}

/** Claim requirements (`claimEquals`, `claimIncludes`, `claimCheck`), else 403 `insufficient_scope`. */
export function requireClaims(...claims: ClaimRequirement[]): MiddlewareHandler<FapiGuardEnv> {
  return authorizing(defineClaims(claims, 'requireClaims()'), 'requireClaims()')
}

/**
 * RFC 9396 authorization details: each requirement met by some detail of the token (type, actions,
 * locations, …, and `check(detail, c)` — a validator's `c.req.valid('json')`, the path's `c.req.param()`),
 * else 403 `insufficient_authorization_details`.
 */
export function requireAuthorizationDetails(...requirements: AuthorizationDetailRequirement<Context>[]): MiddlewareHandler<FapiGuardEnv> {
  return authorizing(defineAuthorizationDetails(requirements as AuthorizationDetailRequirement[], 'requireAuthorizationDetails()'), 'requireAuthorizationDetails()')
}
