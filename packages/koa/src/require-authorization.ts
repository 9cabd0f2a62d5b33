import { isGuardError, type AuthenticationRequirement, type AuthorizationDetailRequirement, type ClaimRequirement, type VerifyOptions } from '@fapi-guard/core'
import { authorize, defineAuthentication, defineAuthorizationDetails, defineClaims, defineRequirements, defineScopes, passedRefusal, refusalResponse } from '@fapi-guard/core/adapter'
import type { Context, Middleware } from 'koa'
import { sendAnswer } from './send-answer.js'

/** Middleware checking requirements already defined (core `define*`) with the guard that verified `ctx.state.auth`. */
function authorizing(requirements: VerifyOptions, where: string): Middleware {
  return async function fapiRequireAuthorization(ctx, next) {
    const auth = ctx.state.auth
    if (auth === undefined) {
      const refusal = passedRefusal(ctx)
      if (refusal === undefined) throw new Error(`fapi-guard: ${where} ran without guard() before it on this route; put guard(options) first`)
      sendAnswer(ctx, refusalResponse(undefined, refusal))
      return
    }
    try {
      authorize(auth, requirements, ctx)
    } catch (error) {
      // A TypeError (ctx.state.auth not made by a guard) is the application's bug: Koa's error handling gets it.
      if (!isGuardError(error)) throw error
      sendAnswer(ctx, refusalResponse(undefined, error))
      return
    }
    await next()
  }
}

/**
 * Per-route requirements on a verified token (scopes, RFC 9470 step-up, claims, authorization details — whose `check` gets `ctx`), checked by the
 * guard that handled the request (core `authorize`) and answered the way that guard does. Place it
 * after `guard()`. The requirements are checked when the middleware is made (core
 * `defineRequirements`, `TypeError`). A request `passthrough` let on without credentials gets the 401
 * challenge it would have had. Checks only the claims of the verified token; the token itself was
 * checked by `guard()`.
 */
export function requireAuthorization(requirements: VerifyOptions, where = 'requireAuthorization()'): Middleware {
  return authorizing(defineRequirements(requirements, where), where)
}

/** Every scope named must be granted, else 403 `insufficient_scope` with `scope="…"` (RFC 6750 §3.1). */
export function requireScopes(...scopes: string[]): Middleware {
  return authorizing(defineScopes(scopes, 'requireScopes()'), 'requireScopes()')
}

/**
 * Step-up (RFC 9470): the token's `acr` is one of `acrValues` and/or its `auth_time` is at most
 * `maxAge` seconds old, else 401 `insufficient_user_authentication` with `acr_values` / `max_age` in
 * the challenge. A `TypeError` when it names neither.
 */
export function requireAuthentication(requirement: AuthenticationRequirement): Middleware {
  return authorizing(defineAuthentication(requirement, 'requireAuthentication()'), 'requireAuthentication()')
}

/** Claim requirements (`claimEquals`, `claimIncludes`, `claimCheck`), else 403 `insufficient_scope`. */
export function requireClaims(...claims: ClaimRequirement[]): Middleware {
  return authorizing(defineClaims(claims, 'requireClaims()'), 'requireClaims()')
}

/**
 * RFC 9396 authorization details: each requirement met by some detail of the token (type, actions,
 * locations, …, and `check(detail, ctx)` — `ctx.request.body` when a body parser ran before), else
 * 403 `insufficient_authorization_details`.
 */
export function requireAuthorizationDetails(...requirements: AuthorizationDetailRequirement<Context>[]): Middleware {
  return authorizing(defineAuthorizationDetails(requirements as AuthorizationDetailRequirement[], 'requireAuthorizationDetails()'), 'requireAuthorizationDetails()')
}
