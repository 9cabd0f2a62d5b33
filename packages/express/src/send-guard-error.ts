import type { GuardError } from '@fapi-guard/core'
import type { NextFunction, Response } from 'express'

/**
 * Answers a refusal: the error's status, its headers (`WWW-Authenticate`, `DPoP-Nonce`) and the
 * JSON body `{ error, error_description }` (RFC 6750 §3). Nothing is added or interpreted here.
 */
export function sendGuardError(error: GuardError, res: Response): void {
  res.status(error.status).set(error.headers).json(error.toJSON())
}

/** Sends the refusal, or hands it to Express's error handlers when `forwardErrors` is on. */
export function refuse(error: GuardError, res: Response, next: NextFunction, forwardErrors: boolean): void {
  if (forwardErrors) next(error)
  else sendGuardError(error, res)
}
