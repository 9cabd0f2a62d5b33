import type { AuthContext, Guard, GuardOptions } from '@fapi-guard/core'
import { isMissingCredentials, metadataResponse, passWithoutCredentials, refusalResponse, resolveAdapterGuard } from '@fapi-guard/core/adapter'
import type { Context, MiddlewareHandler } from 'hono'
import type { FapiGuardEnv, FapiGuardOptionalEnv } from './env.js'
import { defaultPeerAddress, requestFromHono } from './request-from-hono.js'
import { sendAnswer } from './send-answer.js'

/** Options of the Hono adapter itself, beside the core's. */
export interface AdapterOptions {
  /**
   * `false` (default): every request needs valid credentials. `true`: a request with no credentials
   * at all (no `Authorization` header, or a scheme the guard does not take) goes on without
   * `c.get('auth')`; any other failure — a bad, expired or unbound token, a bad proof — is still
   * refused. `requireScopes()` (and the other `require*()`) refuse such a request with the challenge it would have had.
   */
  passthrough?: boolean
  /**
   * The address of the connection's peer, for `proxy.trusted`. Default: what the runtime gives Hono
   * (Node's socket, Deno's `remoteAddr`, Bun's `server.requestIP()`, Cloudflare's `CF-Connecting-IP`).
   * Return `undefined` when it is not known: forwarded headers are then never believed.
   */
  getPeerAddress?: (c: Context) => string | undefined
}

/** Options of `fapiGuard(options)`: every core `GuardOptions` member plus the adapter's own. */
export interface HonoGuardOptions extends GuardOptions, AdapterOptions {}

const ADAPTER_KEYS = ['passthrough', 'getPeerAddress'] as const

function readPassthrough(value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new TypeError('fapi-guard: option "passthrough" must be a boolean')
  return value
}

function readGetPeerAddress(value: unknown): (c: Context) => string | undefined {
  if (value === undefined) return defaultPeerAddress
  if (typeof value !== 'function') throw new TypeError('fapi-guard: option "getPeerAddress" must be a function')
  return value as (c: Context) => string | undefined
}

/** Hono middleware around a guard you already built with the core's `createGuard`; with `passthrough: true`, `auth` may be absent. */
export function fapiGuard(existingGuard: Guard, options: AdapterOptions & { passthrough: true }): MiddlewareHandler<FapiGuardOptionalEnv>
/** Hono middleware around a guard you already built with the core's `createGuard`. */
export function fapiGuard(existingGuard: Guard, options?: AdapterOptions & { passthrough?: false }): MiddlewareHandler<FapiGuardEnv>
/** `fapiGuard(options)` with `passthrough: true` (or a `boolean`): `c.get('auth')` may be `undefined`. */
export function fapiGuard(options: HonoGuardOptions & { passthrough: boolean }): MiddlewareHandler<FapiGuardOptionalEnv>
// The options overload comes last: when no overload matches, TypeScript reports the last one's error,
// so a misspelt option is named against the options type.
/**
 * Hono middleware that lets a request through only with a valid, sender-constrained access token:
 * RFC 9068 JWT checks, DPoP (RFC 9449), RFC 8705 certificate binding (Node's TLS socket, Cloudflare's
 * certificate fingerprint, or the header a trusted proxy forwards in `proxy.certificateHeader`),
 * scopes, RFC 6750 errors. Options are checked now (a `TypeError` names the bad one). On success
 * `c.get('auth')` holds the `AuthContext` and `auth.responseHeaders` (`DPoP-Nonce`,
 * `x-fapi-interaction-id`) are set on the response; on refusal the answer is returned and the rest
 * of the chain never runs. With `resource` configured, `GET` (and `HEAD`) on the RFC 9728 metadata
 * path (`guard.metadataPath`) is answered with the protected resource metadata document, before any
 * credentials are read (mount the middleware app-wide for that).
 */
export function fapiGuard(options: HonoGuardOptions & { passthrough?: false }): MiddlewareHandler<FapiGuardEnv>
export function fapiGuard(first: HonoGuardOptions | Guard, second?: AdapterOptions): MiddlewareHandler<FapiGuardOptionalEnv> | MiddlewareHandler<FapiGuardEnv> {
  const { guard, adapterOptions } = resolveAdapterGuard(first, second, ADAPTER_KEYS)
  const passthrough = readPassthrough(adapterOptions.passthrough)
  const getPeerAddress = readGetPeerAddress(adapterOptions.getPeerAddress)

  const middleware: MiddlewareHandler<FapiGuardOptionalEnv> = async function fapiGuardMiddleware(c, next) {
    // RFC 9728 §3: the protected resource metadata, public, before any credentials are read.
    const metadata = metadataResponse(guard, { method: c.req.method, url: c.req.url })
    if (metadata !== undefined) return sendAnswer(c, metadata)
    let auth: AuthContext
    try {
      auth = await guard.verify(requestFromHono(c, getPeerAddress))
    } catch (error) {
      const refusal = guard.toGuardError(error)
      if (passthrough && isMissingCredentials(refusal)) {
        passWithoutCredentials(c, refusal)
        c.set('auth', undefined)
        await next()
        return
      }
      return sendAnswer(c, refusalResponse(guard, refusal))
    }
    c.set('auth', auth)
    await next()
    // After the route: on whatever response it made (`c.json()`, or a `Response` of its own, which
    // `c.header` copies into a new one when its headers are immutable).
    for (const [name, value] of Object.entries(auth.responseHeaders)) c.header(name, value)
  }
  return middleware
}
