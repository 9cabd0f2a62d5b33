import { checkRequirements, type AuthenticationRequirement, type ClaimRequirement, type VerifyOptions } from '@fapi-guard/core'
import type { Middleware } from 'koa'
import { getGuardState } from './guard-state.js'
import { sendGuardError } from './send-guard-error.js'

/**
 * Per-route requirements on a verified token (scopes, RFC 9470 step-up, claims), checked by the
 * guard that handled the request (`guard.authorize`) and answered the way that guard does. Place it
 * after `guard()`. The requirements are checked when the middleware is made (core
 * `checkRequirements`, `TypeError`). A request `passthrough` let on without credentials gets the 401
 * challenge it would have had. Checks only the claims of the verified token; the token itself was
 * checked by `guard()`.
 */
export function requireAuthorization(requirements: VerifyOptions, where = 'requireAuthorization()'): Middleware {
  const checked = checkRequirements(requirements, where)
  return async function fapiRequireAuthorization(ctx, next) {
    const state = getGuardState(ctx)
    if (state === undefined) {
      throw new Error(`fapi-guard: ${where} ran without guard() before it on this route; put guard(options) first`)
    }
    const auth = ctx.state.auth
    if (auth === undefined) {
      if (state.refusal === undefined) throw new Error(`fapi-guard: ${where} found no ctx.state.auth; something removed it`)
      sendGuardError(ctx, state.refusal)
      return
    }
    try {
      state.guard.authorize(auth, checked)
    } catch (error) {
      sendGuardError(ctx, state.guard.toGuardError(error))
      return
    }
    await next()
  }
}

/** Every scope named must be granted, else 403 `insufficient_scope` with `scope="…"` (RFC 6750 §3.1). */
export function requireScopes(...scopes: string[]): Middleware {
  return requireAuthorization({ scopes }, 'requireScopes()')
}

/**
 * Step-up (RFC 9470): the token's `acr` is one of `acrValues` and/or its `auth_time` is at most
 * `maxAge` seconds old, else 401 `insufficient_user_authentication` with `acr_values` / `max_age` in
 * the challenge.
 */
export function requireAuthentication(requirement: AuthenticationRequirement): Middleware {
  const { acrValues, maxAge } = requirement ?? {}
  if (acrValues === undefined && maxAge === undefined) throw new TypeError('fapi-guard: requireAuthentication() needs "acrValues" or "maxAge"')
  return requireAuthorization({ ...(acrValues !== undefined && { acrValues }), ...(maxAge !== undefined && { maxAge }) }, 'requireAuthentication()')
}

/** Claim requirements (`claimEquals`, `claimIncludes`, `claimCheck`), else 403 `insufficient_scope`. */
export function requireClaims(...claims: ClaimRequirement[]): Middleware {
  return requireAuthorization({ claims }, 'requireClaims()')
}
