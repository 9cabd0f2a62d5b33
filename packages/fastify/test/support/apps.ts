import fapiGuard, { type FastifyGuardOptions } from '@fapi-guard/fastify'
import Fastify, {
  type FastifyHttpsOptions,
  type FastifyInstance,
  type FastifyServerOptions,
  type onRequestAsyncHookHandler,
  type RouteShorthandOptions,
} from 'fastify'
import type { Server as HTTPSServer } from 'node:https'

/** Counts how often the protected handler ran: a refusal must leave it at zero. */
export interface RouteCounter {
  count: number
}

/** How the protected route is guarded: its `onRequest` hooks beyond `authenticate`, its `config`. */
export interface RouteSetup {
  readonly hooks?: (app: FastifyInstance) => onRequestAsyncHookHandler[]
  readonly config?: RouteShorthandOptions['config']
  readonly path?: string
}

/**
 * A Fastify app with the plugin registered and `GET /resource` (or `path`) behind
 * `onRequest: [app.authenticate, ...hooks]`; the handler answers `{ auth: request.auth }` (`null` when
 * there is none, as `passthrough` allows). `serverOptions` go to
 * `Fastify()` (`https` for a TLS server, `rewriteUrl`).
 */
export async function protectedApp(
  options: FastifyGuardOptions,
  setup: RouteSetup = {},
  serverOptions: FastifyServerOptions | FastifyHttpsOptions<HTTPSServer> = {},
): Promise<{ app: FastifyInstance; route: RouteCounter }> {
  // An HTTPS app is driven the same way; its instance type only differs in the raw server.
  const app = Fastify(serverOptions as FastifyServerOptions)
  await app.register(fapiGuard, options)
  const route: RouteCounter = { count: 0 }
  app.get(
    setup.path ?? '/resource',
    { onRequest: [app.authenticate, ...(setup.hooks?.(app) ?? [])], ...(setup.config !== undefined && { config: setup.config }) },
    async (request) => {
      route.count++
      return { auth: request.auth }
    },
  )
  await app.ready()
  return { app, route }
}
