import express, { type RequestHandler } from 'express'
import { guard, requireAuthentication, requireAuthorizationDetails, requireClaims, requireScopes } from '@fapi-guard/express'
import { GUARD_NAMES, guardOptions, isPassthrough, type Fixtures, type GuardName } from '../fixtures.js'
import { serveHTTPS, sendHTTPS, type Served } from '../https.js'
import { ROUTES, routeBody } from '../routes.js'
import type { Adapter, Target } from '../target.js'

const answer: RequestHandler = (req, res) => {
  res.json(routeBody(req.auth))
}

/** The contract app on Express: `app.use(guard(options))` (which also serves the metadata), per-route middleware. */
function createApp(name: GuardName, fixtures: Fixtures): express.Express {
  const app = express()
  app.use(guard({ ...guardOptions(name, fixtures), ...(isPassthrough(name) && { passthrough: true }) }))
  app.get(ROUTES.resource.path, answer)
  app.get(ROUTES.accounts.path, requireScopes(...ROUTES.accounts.scopes), answer)
  app.get(ROUTES.stepUp.path, requireAuthentication({ acrValues: ROUTES.stepUp.acrValues }), answer)
  app.get(ROUTES.recent.path, requireAuthentication({ maxAge: ROUTES.recent.maxAge }), answer)
  app.get(ROUTES.claims.path, requireClaims(...ROUTES.claims.claims), answer)
  app.get(ROUTES.payments.path, requireAuthorizationDetails(...ROUTES.payments.authorizationDetails), answer)
  return app
}

export const expressAdapter: Adapter = {
  name: 'Express',
  async start(fixtures) {
    const served = new Map<GuardName, Served>()
    for (const name of GUARD_NAMES) served.set(name, await serveHTTPS(createApp(name, fixtures), fixtures.serverCertificate))
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
