import { isGuardError } from '@fapi-guard/core'
import { guardOf, refusalResponse } from '@fapi-guard/core/adapter'
import type { ErrorRequestHandler } from 'express'
import { sendAnswer } from './send-answer.js'

/**
 * Express error middleware that answers a `GuardError` exactly as `guard()` does (status,
 * `WWW-Authenticate`, `Cache-Control: no-store`, `{ error, error_description }`) and passes every
 * other error on. Use it with `forwardErrors: true`, after your own error handlers that want to see
 * refusals first. Renders only; it decides nothing about the request (RFC 6750 §3 semantics come from the error).
 */
export function guardErrorHandler(): ErrorRequestHandler {
  return function fapiGuardErrorHandler(error: unknown, req, res, next) {
    if (!isGuardError(error) || res.headersSent) {
      next(error)
      return
    }
    // A GuardError thrown by your own code has no challenge yet; the guard that verified req.auth gives it one.
    sendAnswer(res, refusalResponse(req.auth === undefined ? undefined : guardOf(req.auth), error))
  }
}
