import { requestFromNode, type AuthContext, type Guard, type GuardOptions } from '@fapi-guard/core'
import { isMissingCredentials, metadataResponse, passWithoutCredentials, refusalResponse, resolveAdapterGuard } from '@fapi-guard/core/adapter'
import type { Middleware } from 'koa'
import { sendAnswer } from './send-answer.js'

/** Options of the Koa adapter itself, beside the core's. */
export interface AdapterOptions {
  /**
   * `false` (default): every request needs valid credentials. `true`: a request with no credentials
   * at all (no `Authorization` header, or a scheme the guard does not take) goes on without
   * `ctx.state.auth`; any other failure — a bad, expired or unbound token, a bad proof — is still
   * refused. `requireScopes()` (and the other `require*()`) refuse such a request with the challenge it would have had.
   */
  passthrough?: boolean
}

/** Options of `guard(options)`: every core `GuardOptions` member plus the adapter's own. */
export interface KoaGuardOptions extends GuardOptions, AdapterOptions {}

const DEFAULT_PASSTHROUGH = false
function readPassthrough(value: unknown): boolean {
  if (value === undefined) return DEFAULT_PASSTHROUGH
  if (typeof value !== 'boolean') throw new TypeError('fapi-guard: option "passthrough" must be a boolean')
  return value
}

/** Koa middleware around a guard you already built with the core's `createGuard`. */
export function guard(existingGuard: Guard, options?: AdapterOptions): Middleware
// The options overload comes last: when no overload matches, TypeScript reports the last one's error
// (TypeScript 7 only that one), so a misspelt option is named against the options type.
/**
 * Koa middleware that lets a request through only with a valid, sender-constrained access token:
 * RFC 9068 JWT checks, DPoP (RFC 9449), RFC 8705 certificate binding on the TLS client certificate
 * (or the one a trusted proxy forwards in `proxy.certificateHeader`), scopes, RFC 6750 errors.
 * Options are checked now (a `TypeError` names the bad one). On success `ctx.state.auth` holds the
 * `AuthContext` and `auth.responseHeaders` (`DPoP-Nonce`, `x-fapi-interaction-id`) are set on the
 * response; on refusal the answer is sent and the rest of the chain never runs. With `resource`
 * configured, `GET` (and `HEAD`) on the RFC 9728 metadata path (`guard.metadataPath`) is answered with the
 * protected resource metadata document, before any credentials are read.
 *
 * Ignores Koa's `app.proxy`: `X-Forwarded-*` and certificate headers count only when the connection
 * comes from a peer in `proxy.trusted` (none by default).
 */
export function guard(options: KoaGuardOptions): Middleware
export function guard(first: KoaGuardOptions | Guard, second?: AdapterOptions): Middleware {
  const { guard: coreGuard, adapterOptions } = resolveAdapterGuard(first, second, ['passthrough'] as const)
  const passthrough = readPassthrough(adapterOptions.passthrough)

  return async function fapiGuard(ctx, next) {
    // RFC 9728 §3: the protected resource metadata, public, before any credentials are read.
    const metadata = metadataResponse(coreGuard, { method: ctx.method, url: ctx.originalUrl })
    if (metadata !== undefined) {
      sendAnswer(ctx, metadata)
      return
    }
    let auth: AuthContext
    try {
      auth = await coreGuard.verify(requestFromNode(ctx.req, ctx.originalUrl))
    } catch (error) {
      const refusal = coreGuard.toGuardError(error)
      if (passthrough && isMissingCredentials(refusal)) {
        passWithoutCredentials(ctx, refusal)
        await next()
        return
      }
      sendAnswer(ctx, refusalResponse(coreGuard, refusal))
      return
    }
    ctx.state.auth = auth
    ctx.set(auth.responseHeaders)
    await next()
  }
}
