import { getRequestListener } from '@hono/node-server'
import { Hono, type Handler } from 'hono'
import { fapiGuard, requireAuthentication, requireAuthorizationDetails, requireClaims, requireScopes, type FapiGuardOptionalEnv } from '@fapi-guard/hono'
import { GUARD_NAMES, guardOptions, isPassthrough, type Fixtures, type GuardName } from '../fixtures.js'
import { serveHTTPS, sendHTTPS, type Served } from '../https.js'
import { ROUTES, routeBody } from '../routes.js'
import type { Adapter, Target } from '../target.js'

const answer: Handler<FapiGuardOptionalEnv> = (c) => c.json(routeBody(c.get('auth')))

/** The contract app on Hono: `app.use(fapiGuard(options))` (which also serves the metadata), per-route middleware. */
function createApp(name: GuardName, fixtures: Fixtures): Hono<FapiGuardOptionalEnv> {
  const app = new Hono<FapiGuardOptionalEnv>()
  app.use(fapiGuard({ ...guardOptions(name, fixtures), passthrough: isPassthrough(name) }))
  app.get(ROUTES.resource.path, answer)
  app.get(ROUTES.accounts.path, requireScopes(...ROUTES.accounts.scopes), answer)
  app.get(ROUTES.stepUp.path, requireAuthentication({ acrValues: ROUTES.stepUp.acrValues }), answer)
  app.get(ROUTES.recent.path, requireAuthentication({ maxAge: ROUTES.recent.maxAge }), answer)
  app.get(ROUTES.claims.path, requireClaims(...ROUTES.claims.claims), answer)
  app.get(ROUTES.payments.path, requireAuthorizationDetails(...ROUTES.payments.authorizationDetails), answer)
  return app
}

/**
 * Hono on `@hono/node-server`, as a Node deployment runs it: its request listener on the suite's HTTPS
 * server (the peer address and the TLS client certificate come from `c.env.incoming.socket`). The
 * listener leaves the process's global `Request`/`Response` alone, as the other adapters share it.
 */
export const honoAdapter: Adapter = {
  name: 'Hono',
  async start(fixtures) {
    const served = new Map<GuardName, Served>()
    for (const name of GUARD_NAMES) {
      const app = createApp(name, fixtures)
      served.set(name, await serveHTTPS(getRequestListener(app.fetch, { overrideGlobalObjects: false }), fixtures.serverCertificate))
    }
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
