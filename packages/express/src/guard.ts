import { requestFromNode, type AuthContext, type Guard, type GuardOptions } from '@fapi-guard/core'
import { isMissingCredentials, metadataResponse, passWithoutCredentials, resolveAdapterGuard } from '@fapi-guard/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { forwardRefusals, refuse, sendAnswer } from './send-answer.js'

/** Options of the Express adapter itself, beside the core's. */
export interface AdapterOptions {
  /**
   * `false` (default): the middleware sends the refusal itself (status, `WWW-Authenticate`, JSON body).
   * `true`: it calls `next(guardError)` instead, for your error middleware or `guardErrorHandler()`.
   */
  forwardErrors?: boolean
  /**
   * `false` (default): every request needs valid credentials. `true` (optional authentication): a
   * request with no credentials at all (no `Authorization` header, or a scheme the guard does not
   * take — the core's `ERR_NO_CREDENTIALS`) goes on without `req.auth`; any other failure — a
   * malformed header, a bad, expired or unbound token, a bad proof — is still refused.
   * `requireScopes()` (and the other `require*()`) refuse such a request with the 401 challenge it would have had.
   */
  passthrough?: boolean
}

/** Options of `guard(options)`: every core `GuardOptions` member plus the adapter's own. */
export interface ExpressGuardOptions extends GuardOptions, AdapterOptions {}

const DEFAULT_FORWARD_ERRORS = false
const DEFAULT_PASSTHROUGH = false
function readBoolean(name: keyof AdapterOptions, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`fapi-guard: option "${name}" must be a boolean`)
  return value
}

/** Express middleware around a guard you already built with the core's `createGuard`. */
export function guard(existingGuard: Guard, options?: AdapterOptions): RequestHandler
// The options overload comes last: when no overload matches, TypeScript reports the last one's error
// (TypeScript 7 only that one), so a misspelt option is named against the options type.
/**
 * Express middleware that lets a request through only with a valid, sender-constrained access
 * token: RFC 9068 JWT checks, DPoP (RFC 9449), RFC 8705 certificate binding on the TLS client
 * certificate (or the one a trusted proxy forwards in `proxy.certificateHeader`), scopes, RFC 6750
 * errors. Options are checked now (a `TypeError` names the bad one). On success `req.auth` holds
 * the `AuthContext`; on refusal the route never runs. With `passthrough`, a request without
 * credentials reaches the route without `req.auth`.
 *
 * Ignores Express's `trust proxy`: `X-Forwarded-*` and certificate headers count only when the
 * connection comes from a peer in `proxy.trusted` (none by default); the URL is otherwise built
 * from the connection and `Host`.
 */
export function guard(options: ExpressGuardOptions): RequestHandler
export function guard(first: ExpressGuardOptions | Guard, second?: AdapterOptions): RequestHandler {
  const { guard: coreGuard, adapterOptions } = resolveAdapterGuard(first, second, ['forwardErrors', 'passthrough'] as const)
  const forwardErrors = readBoolean('forwardErrors', adapterOptions.forwardErrors, DEFAULT_FORWARD_ERRORS)
  const passthrough = readBoolean('passthrough', adapterOptions.passthrough, DEFAULT_PASSTHROUGH)

  return function fapiGuard(req: Request, res: Response, next: NextFunction): void {
    // RFC 9728 §3: the protected resource metadata, public, before any credentials are read.
    const metadata = metadataResponse(coreGuard, { method: req.method, url: req.originalUrl })
    if (metadata !== undefined) {
      sendAnswer(res, metadata)
      return
    }
    if (forwardErrors) forwardRefusals(req)
    let verified: Promise<AuthContext>
    try {
      verified = coreGuard.verify(requestFromNode(req, req.originalUrl))
    } catch (error) {
      // A request object Node did not make could get here (verify reports refusals by rejecting): refused.
      refuse(coreGuard.toGuardError(error), req, res, next)
      return
    }
    verified
      .then(
        (auth) => {
          req.auth = auth
          for (const name in auth.responseHeaders) res.setHeader(name, auth.responseHeaders[name] as string)
          next()
        },
        (error: unknown) => {
          const refusal = coreGuard.toGuardError(error)
          if (passthrough && isMissingCredentials(refusal)) {
            // Optional authentication: on without req.auth; require*() sends this refusal if the route needs a token.
            passWithoutCredentials(req, refusal)
            next()
            return
          }
          refuse(refusal, req, res, next)
        },
      )
      // Whatever throws after the decision (a route called synchronously by next()) goes to Express, never unhandled.
      .catch(next)
  }
}
