import type Koa from 'koa'
import type { Middleware } from 'koa'
import type { KoaClass } from './koa-versions.js'

/** Counts how often the protected route ran: a refusal must leave it at zero. */
export interface RouteCounter {
  count: number
}

/** What the protected route answers with: the parts of `ctx.state.auth` a test looks at. */
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
 * An app whose every request goes through `chain` and then the route, which echoes
 * `ctx.state.auth` (or `{ anonymous: true }` when there is none, as `passthrough` allows).
 * `before` runs ahead of the chain (a mount that rewrites the path, an error catcher).
 */
export function protectedApp(Koa: KoaClass, chain: Middleware[], before: Middleware[] = []): { app: Koa; route: RouteCounter } {
  const app = new Koa()
  const route: RouteCounter = { count: 0 }
  for (const middleware of [...before, ...chain]) app.use(middleware)
  app.use((ctx) => {
    route.count++
    const auth = ctx.state.auth
    if (auth === undefined) {
      ctx.body = { anonymous: true } satisfies RouteBody
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
    ctx.body = body
  })
  return { app, route }
}
