import { isGuardError } from '@fapi-guard/core'
import type { ErrorRequestHandler } from 'express'
import { getGuardState } from './guard-state.js'
import { sendGuardError } from './send-guard-error.js'

/**
 * Express error middleware that answers a `GuardError` exactly as `guard()` does (status,
 * `WWW-Authenticate`, `{ error, error_description }`) and passes every other error on. Use it with
 * `forwardErrors: true`, after your own error handlers that want to see refusals first. Renders
 * only; it decides nothing about the request (RFC 6750 §3 semantics come from the error).
 */
export function guardErrorHandler(): ErrorRequestHandler {
  return function fapiGuardErrorHandler(error: unknown, req, res, next) {
    if (!isGuardError(error) || res.headersSent) {
      next(error)
      return
    }
    // A GuardError thrown by your own code has no challenge yet; the request's guard gives it one.
    const state = getGuardState(req)
    sendGuardError(state === undefined ? error : state.guard.toGuardError(error), res)
  }
}
