import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import { guard, requireAuthentication, requireAuthorizationDetails, requireClaims, requireScopes } from '@fapi-guard/koa'
import { GUARD_NAMES, guardOptions, isPassthrough, type Fixtures, type GuardName } from '../fixtures.js'
import { serveHTTPS, sendHTTPS, type Served } from '../https.js'
import { ROUTES, routeBody } from '../routes.js'
import type { Adapter, Target } from '../target.js'

const answer: Middleware = (ctx) => {
  ctx.body = routeBody(ctx.state.auth)
}

/** The contract app on Koa: `app.use(guard(options))` (which also serves the metadata), `@koa/router` with per-route middleware. */
function createApp(name: GuardName, fixtures: Fixtures): Koa {
  const router = new Router()
  router.get(ROUTES.resource.path, answer)
  router.get(ROUTES.accounts.path, requireScopes(...ROUTES.accounts.scopes), answer)
  router.get(ROUTES.stepUp.path, requireAuthentication({ acrValues: ROUTES.stepUp.acrValues }), answer)
  router.get(ROUTES.recent.path, requireAuthentication({ maxAge: ROUTES.recent.maxAge }), answer)
  router.get(ROUTES.claims.path, requireClaims(...ROUTES.claims.claims), answer)
  router.get(ROUTES.payments.path, requireAuthorizationDetails(...ROUTES.payments.authorizationDetails), answer)
  const app = new Koa()
  app.silent = true
  app.use(guard({ ...guardOptions(name, fixtures), ...(isPassthrough(name) && { passthrough: true }) }))
  app.use(router.routes())
  return app
}

export const koaAdapter: Adapter = {
  name: 'Koa',
  async start(fixtures) {
    const served = new Map<GuardName, Served>()
    for (const name of GUARD_NAMES) served.set(name, await serveHTTPS(createApp(name, fixtures).callback(), fixtures.serverCertificate))
    const origin = (name: GuardName) => (served.get(name) as Served).origin
    return {
      origin,
      send: (name, request) => sendHTTPS(origin(name), request),
      close: async () => {
        await Promise.all([...served.values()].map((server) => server.close()))
      },
    } satisfies Target
  },
}
