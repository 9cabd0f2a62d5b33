import { checkRequirements, type AuthenticationRequirement, type ClaimRequirement, type VerifyOptions } from '@fapi-guard/core'
import type { RequestHandler } from 'express'
import { getGuardState } from './guard-state.js'
import { refuse } from './send-guard-error.js'

/**
 * Per-route requirements on a verified token (scopes, step-up, claims), checked by the guard that
 * authenticated the request and answered the way that guard does (`forwardErrors` included). Place
 * it after `guard()`. The requirements are checked when the route is declared (`TypeError`). A
 * request `passthrough` let on without credentials gets the 401 challenge it would have had.
 */
export function requireAuthorization(requirements: VerifyOptions, where = 'requireAuthorization()'): RequestHandler {
  const checked = checkRequirements(requirements, where)
  return function fapiRequireAuthorization(req, res, next) {
    const state = getGuardState(req)
    if (state === undefined) {
      next(new Error(`fapi-guard: ${where} ran without guard() before it on this route; put guard(options) first`))
      return
    }
    if (req.auth === undefined) {
      if (state.refusal === undefined) next(new Error(`fapi-guard: ${where} found no req.auth; something removed it`))
      else refuse(state.refusal, res, next, state.forwardErrors)
      return
    }
    try {
      state.guard.authorize(req.auth, checked)
    } catch (error) {
      refuse(state.guard.toGuardError(error), res, next, state.forwardErrors)
      return
    }
    next()
  }
}

/** Every scope named must be granted, else 403 `insufficient_scope` with `scope="…"` (RFC 6750 §3.1). */
export function requireScopes(...scopes: string[]): RequestHandler {
  return requireAuthorization({ scopes }, 'requireScopes()')
}

/**
 * Step-up (RFC 9470): the token's `acr` is one of `acrValues` and/or `auth_time` is at most `maxAge`
 * seconds old, else 401 `insufficient_user_authentication` with `acr_values`/`max_age` in the challenge.
 */
export function requireAuthentication(requirement: AuthenticationRequirement): RequestHandler {
  const { acrValues, maxAge } = requirement
  return requireAuthorization({ ...(acrValues !== undefined && { acrValues }), ...(maxAge !== undefined && { maxAge }) }, 'requireAuthentication()')
}

/** Claim requirements (`claimEquals`, `claimIncludes`, `claimCheck`), else 403 `insufficient_scope`. */
export function requireClaims(...claims: ClaimRequirement[]): RequestHandler {
  return requireAuthorization({ claims }, 'requireClaims()')
}
