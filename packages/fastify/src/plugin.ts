import { requestFromNode, type AuthContext, type Guard, type GuardOptions, type VerifyOptions } from '@fapi-guard/core'
import { authorize, isMissingCredentials, metadataResponse, passedRefusal, passWithoutCredentials, refusalResponse } from '@fapi-guard/core/adapter'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { GuardHook } from './augment.js'
import { readRouteRequirements, type RouteRequirements } from './read-route-requirements.js'
import { decorateRequireHooks } from './require-hooks.js'
import { resolvePluginOptions } from './resolve-plugin-options.js'
import { sendAnswer } from './send-answer.js'

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

/** Marks the metadata route, so a guard hook on the whole instance lets it through. */
const METADATA_ROUTE = Symbol.for('@fapi-guard/fastify:metadata')
/** Marks a route whose `config.authorizationDetails` a `preHandler` checks (the plugin saw it added). */
const DETAILS_IN_PRE_HANDLER = Symbol.for('@fapi-guard/fastify:details-in-pre-handler')

/**
 * Fastify plugin: FAPI 2.0 resource-server protection. Decorates `app.authenticate` (an `onRequest`
 * hook that verifies the request — RFC 9068 JWT checks, DPoP (RFC 9449), RFC 8705 certificate
 * binding, scopes — and the route's `config` requirements, sets `request.auth` and sends
 * `auth.responseHeaders`, or answers the RFC 6750 refusal), `app.requireScopes(...)`,
 * `app.requireAuthentication(...)`, `app.requireClaims(...)`, `app.requireAuthorizationDetails(...)`, `app.requireAuthorization(...)` and
 * `request.auth`. With `resource` configured it serves the RFC 9728 metadata on `GET metadataPath`.
 * With `passthrough: true`, a request without credentials reaches the handler with `request.auth` `null`.
 * Options are checked at `register` (a `TypeError` names the bad one), and so are the routes'
 * `config` requirements, when routes are added.
 *
 * Ignores Fastify's `trustProxy`: `X-Forwarded-*` and certificate headers count only when the
 * connection comes from a peer in `proxy.trusted` (none by default).
 */
const plugin: FastifyPluginAsync<FastifyGuardOptions> = async (fastify: FastifyInstance, options: FastifyGuardOptions) => {
  const { guard: coreGuard, passthrough } = resolvePluginOptions(options)
  /** Each route's `config` requirements, defined once (`null`: none). */
  const routeRequirements = new WeakMap<object, RouteRequirements | null>()

  const readRequirements = (config: unknown, url: string): RouteRequirements | undefined => {
    if (typeof config !== 'object' || config === null) return undefined
    let requirements = routeRequirements.get(config)
    if (requirements === undefined) {
      requirements = readRouteRequirements(config, `route ${url} config`) ?? null
      routeRequirements.set(config, requirements)
    }
    return requirements ?? undefined
  }

  const authorizing = (reply: FastifyReply, auth: AuthContext, requirements: VerifyOptions, request: FastifyRequest): void => {
    try {
      authorize(auth, requirements, request)
    } catch (error) {
      sendAnswer(reply, refusalResponse(coreGuard, error))
    }
  }

  fastify.decorateRequest('auth', null)

  const requireAuthorization = decorateRequireHooks(fastify, coreGuard, authorizing)
  fastify.addHook('onRoute', (route) => {
    const details = readRequirements(route.config, route.url)?.preHandler
    if (details === undefined) return
    // onRequest comes before the body is parsed: a `check` comparing against it runs in preHandler.
    const before = route.preHandler === undefined ? [] : [route.preHandler].flat()
    route.preHandler = [...before, requireAuthorization(details, `route ${route.url} config authorizationDetails`)]
    route.config = { ...route.config, [DETAILS_IN_PRE_HANDLER]: true } as NonNullable<typeof route.config>
  })

  const metadataPath = coreGuard.metadataPath
  if (metadataPath !== undefined) {
    // RFC 9728 §3: GET (and the HEAD Fastify adds), answered as the core says; not for a path the router only matched loosely.
    fastify.get(metadataPath, { config: { [METADATA_ROUTE]: true } }, async (request, reply) => {
      const answer = metadataResponse(coreGuard, { method: request.method, url: request.originalUrl })
      if (answer === undefined) return reply.callNotFound()
      return sendAnswer(reply, answer)
    })
  }

  const authenticate: GuardHook = async (request: FastifyRequest, reply: FastifyReply) => {
    // A second `authenticate` on one request (global hook and route hook) does not verify twice.
    if (request.auth !== null || passedRefusal(request) !== undefined) return
    const config = request.routeOptions.config as unknown as Record<string | symbol, unknown> | undefined
    if (config?.[METADATA_ROUTE] === true) return
    const requirements = readRequirements(config, request.routeOptions.url ?? request.url)
    let auth: AuthContext
    try {
      auth = await coreGuard.verify(requestFromNode(request.raw, request.originalUrl))
    } catch (error) {
      const refusal = coreGuard.toGuardError(error)
      // Optional authentication: on with `request.auth` null, unless this route needs a token.
      if (passthrough && isMissingCredentials(refusal)) {
        passWithoutCredentials(request, refusal)
        if (requirements === undefined) return
      }
      sendAnswer(reply, refusalResponse(coreGuard, refusal))
      return
    }
    request.auth = auth
    reply.headers(auth.responseHeaders)
    const now = config?.[DETAILS_IN_PRE_HANDLER] === true ? requirements?.onRequest : requirements?.all
    if (now !== undefined) authorizing(reply, auth, now, request)
  }
  fastify.decorate('authenticate', authenticate)
}

/**
 * The fapi-guard plugin (`fastify-plugin`, so its decorators reach the app it is registered on):
 * `app.register(fapiGuard, { issuer, audience })`, then `onRequest: app.authenticate` on the routes
 * to protect.
 */
export const fapiGuard = fp(plugin, { name: '@fapi-guard/fastify', fastify: '5.x' })
