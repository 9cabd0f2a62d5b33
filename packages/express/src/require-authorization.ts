import { isGuardError, type AuthenticationRequirement, type AuthorizationDetailRequirement, type ClaimRequirement, type VerifyOptions } from '@fapi-guard/core'
import { authorize, defineAuthentication, defineAuthorizationDetails, defineClaims, defineRequirements, defineScopes, passedRefusal } from '@fapi-guard/core/adapter'
import type { Request, RequestHandler } from 'express'
import { refuse } from './send-answer.js'

/** Middleware checking requirements already defined (core `define*`) with the guard that verified `req.auth`. */
function authorizing(requirements: VerifyOptions, where: string): RequestHandler {
  return function fapiRequireAuthorization(req, res, next) {
    const auth = req.auth
    if (auth === undefined) {
      const refusal = passedRefusal(req)
      if (refusal === undefined) next(new Error(`fapi-guard: ${where} ran without guard() before it on this route; put guard(options) first`))
      else refuse(refusal, req, res, next)
      return
    }
    try {
      authorize(auth, requirements, req)
    } catch (error) {
      // A TypeError (req.auth not made by a guard) is the application's bug: Express's error handlers get it.
      if (isGuardError(error)) refuse(error, req, res, next)
      else next(error)
      return
    }
    next()
  }
}

/**
 * Per-route requirements on a verified token (scopes, step-up, claims, authorization details — whose `check` gets `req`), checked by the guard that
 * authenticated the request (core `authorize`) and answered the way that guard does (`forwardErrors`
 * included). Place it after `guard()`. The requirements are checked when the route is declared
 * (`TypeError`). A request `passthrough` let on without credentials gets the 401 challenge it would have had.
 */
export function requireAuthorization(requirements: VerifyOptions, where = 'requireAuthorization()'): RequestHandler {
  return authorizing(defineRequirements(requirements, where), where)
}

/** Every scope named must be granted, else 403 `insufficient_scope` with `scope="…"` (RFC 6750 §3.1). */
export function requireScopes(...scopes: string[]): RequestHandler {
  return authorizing(defineScopes(scopes, 'requireScopes()'), 'requireScopes()')
}

/**
 * Step-up (RFC 9470): the token's `acr` is one of `acrValues` and/or `auth_time` is at most `maxAge`
 * seconds old, else 401 `insufficient_user_authentication` with `acr_values`/`max_age` in the challenge.
 * A `TypeError` when it names neither.
 */
export function requireAuthentication(requirement: AuthenticationRequirement): RequestHandler {
  return authorizing(defineAuthentication(requirement, 'requireAuthentication()'), 'requireAuthentication()')
}

/** Claim requirements (`claimEquals`, `claimIncludes`, `claimCheck`), else 403 `insufficient_scope`. */
export function requireClaims(...claims: ClaimRequirement[]): RequestHandler {
  return authorizing(defineClaims(claims, 'requireClaims()'), 'requireClaims()')
}

/**
 * RFC 9396 authorization details: each requirement met by some detail of the token (type, actions,
 * locations, …, and `check(detail, req)` — `req` with its parsed body, when a body parser ran
 * before), else 403 `insufficient_authorization_details`.
 */
export function requireAuthorizationDetails(...requirements: AuthorizationDetailRequirement<Request>[]): RequestHandler {
  return authorizing(defineAuthorizationDetails(requirements as AuthorizationDetailRequirement[], 'requireAuthorizationDetails()'), 'requireAuthorizationDetails()')
}
