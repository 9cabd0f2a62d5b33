import { createGuard, requestFromNode, type AuthContext, type Guard, type GuardOptions } from '@fapi-guard/core'
import type { Middleware } from 'koa'
import { setGuardState } from './guard-state.js'
import { sendGuardError } from './send-guard-error.js'

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
const METADATA_CACHE_CONTROL = 'public, max-age=3600'
const ADAPTER_OPTIONS: ReadonlySet<string> = new Set(['passthrough'])

function isGuard(value: unknown): value is Guard {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof Guard, unknown>>
  return (
    typeof candidate.verify === 'function' &&
    typeof candidate.requireScopes === 'function' &&
    typeof candidate.toGuardError === 'function'
  )
}

function readPassthrough(value: unknown): boolean {
  if (value === undefined) return DEFAULT_PASSTHROUGH
  if (typeof value !== 'boolean') throw new TypeError('fapi-guard: option "passthrough" must be a boolean')
  return value
}

/** Splits the adapter's options from the core's, so the core's check of unknown options stays strict. */
function splitOptions(options: KoaGuardOptions): { core: GuardOptions; passthrough: boolean } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('fapi-guard: guard() takes an options object or a Guard from createGuard()')
  }
  const { passthrough, ...core } = options
  return { core, passthrough: readPassthrough(passthrough) }
}

function checkAdapterOptions(options: unknown): boolean {
  if (options === undefined) return DEFAULT_PASSTHROUGH
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('fapi-guard: the second argument of guard(existingGuard, options) must be an options object')
  }
  for (const key of Object.keys(options)) {
    if (!ADAPTER_OPTIONS.has(key)) {
      throw new TypeError(`fapi-guard: option "${key}" is not an adapter option; give core options to createGuard()`)
    }
  }
  return readPassthrough((options as AdapterOptions).passthrough)
}

/**
 * Koa middleware that lets a request through only with a valid, sender-constrained access token:
 * RFC 9068 JWT checks, DPoP (RFC 9449), RFC 8705 certificate binding on the TLS client certificate
 * (or the one a trusted proxy forwards in `proxy.certificateHeader`), scopes, RFC 6750 errors.
 * Options are checked now (a `TypeError` names the bad one). On success `ctx.state.auth` holds the
 * `AuthContext` and `auth.responseHeaders` (`DPoP-Nonce`, `x-fapi-interaction-id`) are set on the
 * response; on refusal the answer is sent and the rest of the chain never runs. With `resource`
 * configured, `GET` on the RFC 9728 metadata path (`guard.metadataPath`) is answered with the
 * protected resource metadata document, before any credentials are read.
 *
 * Ignores Koa's `app.proxy`: `X-Forwarded-*` and certificate headers count only when the connection
 * comes from a peer in `proxy.trusted` (none by default).
 */
export function guard(options: KoaGuardOptions): Middleware
/** Koa middleware around a guard you already built with the core's `createGuard`. */
export function guard(existingGuard: Guard, options?: AdapterOptions): Middleware
export function guard(first: KoaGuardOptions | Guard, second?: AdapterOptions): Middleware {
  let coreGuard: Guard
  let passthrough: boolean
  if (isGuard(first)) {
    coreGuard = first
    passthrough = checkAdapterOptions(second)
  } else {
    if (second !== undefined) throw new TypeError('fapi-guard: guard(options) takes one argument; put "passthrough" in the options')
    const split = splitOptions(first)
    coreGuard = createGuard(split.core)
    passthrough = split.passthrough
  }

  const metadataPath = coreGuard.metadataPath
  const metadata = coreGuard.metadata()

  return async function fapiGuard(ctx, next) {
    if (metadataPath !== undefined && ctx.method === 'GET' && ctx.originalUrl.split('?')[0] === metadataPath) {
      // RFC 9728 §3: the protected resource metadata, public and cacheable.
      ctx.set('cache-control', METADATA_CACHE_CONTROL)
      ctx.body = metadata
      return
    }
    let auth: AuthContext
    try {
      auth = await coreGuard.verify(requestFromNode(ctx.req, ctx.originalUrl))
    } catch (error) {
      const refusal = coreGuard.toGuardError(error)
      if (passthrough && refusal.code === 'ERR_NO_CREDENTIALS') {
        setGuardState(ctx, { guard: coreGuard, refusal })
        await next()
        return
      }
      sendGuardError(ctx, refusal)
      return
    }
    setGuardState(ctx, { guard: coreGuard })
    ctx.state.auth = auth
    ctx.set(auth.responseHeaders)
    await next()
  }
}
