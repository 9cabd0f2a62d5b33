import type Koa from 'koa'
import type { Middleware } from 'koa'
import type { KoaClass } from './koa-versions.js'

/** Counts how often the protected route ran: a refusal must leave it at zero. */
export interface RouteCounter {
  count: number
}

/**
 * An app whose every request goes through `chain` and then the route, which answers
 * `{ auth: ctx.state.auth }` (`null` when there is none, as `passthrough` allows).
 * `before` runs ahead of the chain (a mount that rewrites the path, an error catcher).
 */
export function protectedApp(Koa: KoaClass, chain: Middleware[], before: Middleware[] = []): { app: Koa; route: RouteCounter } {
  const app = new Koa()
  const route: RouteCounter = { count: 0 }
  for (const middleware of [...before, ...chain]) app.use(middleware)
  app.use((ctx) => {
    route.count++
    ctx.body = { auth: ctx.state.auth ?? null }
  })
  return { app, route }
}
