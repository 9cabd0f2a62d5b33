import type { RequestHandler } from 'express'
import { getGuardState } from './guard-state.js'
import { refuse } from './send-guard-error.js'

// RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/**
 * Per-route scope requirement (RFC 6750 §3.1): every scope named must be granted, else 403
 * `insufficient_scope` with `scope="…"` in the challenge. Place it after `guard()`; it uses the guard
 * that authenticated the request and answers the way that guard does (`forwardErrors` included).
 * Checks only the scopes granted in the verified token; the token itself was checked by `guard()`.
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  if (scopes.length === 0) throw new TypeError('fapi-guard: requireScopes() needs at least one scope')
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`fapi-guard: requireScopes() got ${JSON.stringify(scope)}, which is not a valid scope token`)
    }
  }
  const required: readonly string[] = [...scopes]
  return function fapiRequireScopes(req, res, next) {
    const state = getGuardState(req)
    if (state === undefined || req.auth === undefined) {
      next(new Error('fapi-guard: requireScopes() ran without guard() before it on this route; put guard(options) first'))
      return
    }
    try {
      state.guard.requireScopes(req.auth, required)
    } catch (error) {
      refuse(state.guard.toGuardError(error), res, next, state.forwardErrors)
      return
    }
    next()
  }
}
