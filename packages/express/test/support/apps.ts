import type { ErrorRequestHandler, Express, RequestHandler } from 'express'
import type { ExpressFactory } from './express-versions.js'

/** Counts how often the protected route ran: a refusal must leave it at zero. */
export interface RouteCounter {
  count: number
}

/**
 * An app with `GET /resource` behind the given middleware chain; the route answers `{ auth: req.auth }`
 * (`null` when there is none, as `passthrough` allows). `errorHandlers` go after the routes.
 */
export function protectedApp(
  express: ExpressFactory,
  chain: RequestHandler[],
  errorHandlers: ErrorRequestHandler[] = [],
): { app: Express; route: RouteCounter } {
  const app = express()
  const route: RouteCounter = { count: 0 }
  app.get('/resource', ...chain, (req, res) => {
    route.count++
    res.json({ auth: req.auth ?? null })
  })
  for (const handler of errorHandlers) app.use(handler)
  return { app, route }
}
