import {
  checkRequirements,
  createGuard,
  requestFromNode,
  type AuthContext,
  type AuthenticationRequirement,
  type ClaimRequirement,
  type Guard,
  type GuardError,
  type GuardOptions,
  type VerifyOptions,
} from '@fapi-guard/core'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { GuardHook } from './augment.js'
import { readRouteRequirements } from './read-route-requirements.js'
import { sendGuardError } from './send-guard-error.js'

/** Options of the Fastify plugin itself, beside the core's. */
export interface AdapterOptions {
  /**
   * `false` (default): every request `authenticate` guards needs valid credentials. `true` (optional
   * authentication): a request with no credentials at all (no `Authorization` header, or a scheme
   * the guard does not take — the core's `ERR_NO_CREDENTIALS`) reaches the handler with
   * `request.auth` still `null`; any other failure is still refused. A route with requirements
   * (`config` or `app.require*()`) refuses it with the 401 challenge it would have had.
   */
  passthrough?: boolean
}

/** `app.register(fapiGuard, { guard, passthrough? })`: a guard you already built with the core's `createGuard`. */
export interface ExistingGuardOptions extends AdapterOptions {
  guard: Guard
}

/** Options of `app.register(fapiGuard, options)`: the core's `GuardOptions` (plus `passthrough`), or an existing `Guard`. */
export type FastifyGuardOptions = (GuardOptions & AdapterOptions) | ExistingGuardOptions

/** Options Fastify itself adds to every `register` call; they are not the guard's. */
const REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'] as const
const DEFAULT_PASSTHROUGH = false
const METADATA_CACHE_CONTROL = 'public, max-age=3600'
/** Marks the metadata route, so a guard hook on the whole instance lets it through. */
const METADATA_ROUTE = Symbol.for('@fapi-guard/fastify:metadata')

function isGuard(value: unknown): value is Guard {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof Guard, unknown>>
  return typeof candidate.verify === 'function' && typeof candidate.authorize === 'function' && typeof candidate.toGuardError === 'function'
}

/** The core guard and `passthrough` from the plugin options: checked now, so a mistake fails `register` with a `TypeError`. */
function resolveGuard(options: unknown): { guard: Guard; passthrough: boolean } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('fapi-guard: register(fapiGuard, options) takes the guard options, or { guard } with a Guard from createGuard()')
  }
  const { passthrough = DEFAULT_PASSTHROUGH, ...own } = options as Record<string, unknown>
  if (typeof passthrough !== 'boolean') throw new TypeError('fapi-guard: option "passthrough" must be a boolean')
  for (const name of REGISTER_OPTIONS) delete own[name]
  if (!('guard' in own)) return { guard: createGuard(own as unknown as GuardOptions), passthrough }
  const { guard, ...rest } = own
  if (!isGuard(guard)) throw new TypeError('fapi-guard: option "guard" must be a Guard from createGuard()')
  const extra = Object.keys(rest)[0]
  if (extra !== undefined) throw new TypeError(`fapi-guard: option "${extra}" cannot go with "guard"; give core options to createGuard()`)
  return { guard, passthrough }
}

/**
 * Fastify plugin: FAPI 2.0 resource-server protection. Decorates `app.authenticate` (an `onRequest`
 * hook that verifies the request — RFC 9068 JWT checks, DPoP (RFC 9449), RFC 8705 certificate
 * binding, scopes — and the route's `config` requirements, sets `request.auth` and sends
 * `auth.responseHeaders`, or answers the RFC 6750 refusal), `app.requireScopes(...)`,
 * `app.requireAuthentication(...)`, `app.requireClaims(...)`, `app.requireAuthorization(...)` and
 * `request.auth`. With `resource` configured it serves the RFC 9728 metadata on `GET metadataPath`.
 * With `passthrough: true`, a request without credentials reaches the handler with `request.auth` `null`.
 * Options are checked at `register` (a `TypeError` names the bad one), and so are the routes'
 * `config` requirements, when routes are added.
 *
 * Ignores Fastify's `trustProxy`: `X-Forwarded-*` and certificate headers count only when the
 * connection comes from a peer in `proxy.trusted` (none by default).
 */
const plugin: FastifyPluginAsync<FastifyGuardOptions> = async (fastify: FastifyInstance, options: FastifyGuardOptions) => {
  const { guard: coreGuard, passthrough } = resolveGuard(options)
  /** Requests this plugin verified: a second `authenticate` on one request (global hook and route hook) does not verify twice. */
  const verified = new WeakSet<FastifyRequest>()
  /** With `passthrough`: requests let on without credentials, and the refusal they would have had. */
  const passedThrough = new WeakMap<FastifyRequest, GuardError>()
  /** Each route's checked `config` requirements (`null`: none). */
  const routeRequirements = new WeakMap<object, VerifyOptions | null>()

  const readRequirements = (config: unknown, url: string): VerifyOptions | undefined => {
    if (typeof config !== 'object' || config === null) return undefined
    let requirements = routeRequirements.get(config)
    if (requirements === undefined) {
      requirements = readRouteRequirements(config, `route ${url} config`) ?? null
      routeRequirements.set(config, requirements)
    }
    return requirements ?? undefined
  }

  const authorize = (reply: FastifyReply, auth: AuthContext, requirements: VerifyOptions): void => {
    try {
      coreGuard.authorize(auth, requirements)
    } catch (error) {
      sendGuardError(reply, coreGuard.toGuardError(error))
    }
  }

  fastify.decorateRequest('auth', null)

  fastify.addHook('onRoute', (route) => {
    readRequirements(route.config, route.url)
  })

  const metadataPath = coreGuard.metadataPath
  if (metadataPath !== undefined) {
    const metadata = coreGuard.metadata()
    // RFC 9728 §3: the protected resource metadata, public and cacheable.
    fastify.get(metadataPath, { config: { [METADATA_ROUTE]: true } }, async (_request, reply) => {
      reply.header('cache-control', METADATA_CACHE_CONTROL)
      return metadata
    })
  }

  const authenticate: GuardHook = async (request: FastifyRequest, reply: FastifyReply) => {
    if (verified.has(request) || passedThrough.has(request)) return
    const config = request.routeOptions.config as unknown as Record<string | symbol, unknown> | undefined
    if (config?.[METADATA_ROUTE] === true) return
    const requirements = readRequirements(config, request.routeOptions.url ?? request.url)
    let auth: AuthContext
    try {
      auth = await coreGuard.verify(requestFromNode(request.raw, request.originalUrl))
    } catch (error) {
      const refusal = coreGuard.toGuardError(error)
      if (passthrough && refusal.code === 'ERR_NO_CREDENTIALS') {
        // Optional authentication: on with `request.auth` null, unless this route needs a token.
        passedThrough.set(request, refusal)
        if (requirements !== undefined) sendGuardError(reply, refusal)
        return
      }
      sendGuardError(reply, refusal)
      return
    }
    verified.add(request)
    request.auth = auth
    reply.headers(auth.responseHeaders)
    if (requirements !== undefined) authorize(reply, auth, requirements)
  }
  fastify.decorate('authenticate', authenticate)

  const requireAuthorization = (requirements: VerifyOptions, where = 'requireAuthorization()'): GuardHook => {
    const checked = checkRequirements(requirements, where)
    const name = where.slice(0, where.indexOf('('))
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const auth = request.auth
      const refusal = passedThrough.get(request)
      if (refusal !== undefined) {
        sendGuardError(reply, refusal)
        return
      }
      if (auth === null || !verified.has(request)) {
        throw new Error(`fapi-guard: ${where} ran without authenticate before it; use onRequest: [app.authenticate, app.${name}(...)]`)
      }
      authorize(reply, auth, checked)
    }
  }
  fastify.decorate('requireAuthorization', (requirements: VerifyOptions) => requireAuthorization(requirements))
  fastify.decorate('requireScopes', (...scopes: string[]) => requireAuthorization({ scopes }, 'requireScopes()'))
  fastify.decorate('requireAuthentication', (requirement: AuthenticationRequirement) => {
    const { acrValues, maxAge } = requirement ?? {}
    if (acrValues === undefined && maxAge === undefined) throw new TypeError('fapi-guard: requireAuthentication() needs "acrValues" or "maxAge"')
    return requireAuthorization({ ...(acrValues !== undefined && { acrValues }), ...(maxAge !== undefined && { maxAge }) }, 'requireAuthentication()')
  })
  fastify.decorate('requireClaims', (...claims: ClaimRequirement[]) => requireAuthorization({ claims }, 'requireClaims()'))
}

/**
 * The fapi-guard plugin (`fastify-plugin`, so its decorators reach the app it is registered on):
 * `app.register(fapiGuard, { issuer, audience })`, then `onRequest: app.authenticate` on the routes
 * to protect.
 */
export const fapiGuard = fp(plugin, { name: '@fapi-guard/fastify', fastify: '5.x' })
