import type { ErrorRequestHandler, Express, RequestHandler } from 'express'
import type { ExpressFactory } from './express-versions.js'

/** Counts how often the protected route ran: a refusal must leave it at zero. */
export interface RouteCounter {
  count: number
}

/** What the protected route answers with: the parts of `req.auth` a test looks at. */
export interface RouteBody {
  anonymous?: true
  subject?: string
  clientId?: string
  issuer?: string
  scopes?: string[]
  binding?: unknown
  source?: string
}

/**
 * An app with `GET /resource` behind the given middleware chain; the route echoes `req.auth` (or
 * `{ anonymous: true }` when there is none, as `passthrough` allows).
 * `errorHandlers` go after the routes.
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
    const auth = req.auth
    if (auth === undefined) {
      res.json({ anonymous: true } satisfies RouteBody)
      return
    }
    const body: RouteBody = {
      issuer: auth.issuer,
      scopes: [...auth.scopes],
      binding: auth.binding,
      source: auth.source,
      ...(auth.subject !== undefined && { subject: auth.subject }),
      ...(auth.clientId !== undefined && { clientId: auth.clientId }),
    }
    res.json(body)
  })
  for (const handler of errorHandlers) app.use(handler)
  return { app, route }
}
