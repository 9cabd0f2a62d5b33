import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import fapiGuard from '@fapi-guard/fastify'
import type { Server } from 'node:https'
import { GUARD_NAMES, guardOptions, isPassthrough, type Fixtures, type GuardName } from '../fixtures.js'
import { sendHTTPS, tlsOptions } from '../https.js'
import { ROUTES, routeBody } from '../routes.js'
import type { Adapter, Target } from '../target.js'

const answer = async (request: FastifyRequest) => routeBody(request.auth)

/**
 * The contract app on Fastify over HTTPS: the plugin (which registers the metadata route), requirements
 * both ways — route `config` (`/accounts`, `/step-up`, `/payments`) and hooks after `authenticate` (`/recent`, `/claims`).
 */
async function createApp(name: GuardName, fixtures: Fixtures): Promise<FastifyInstance<Server>> {
  const app = Fastify({ https: tlsOptions(fixtures.serverCertificate) })
  await app.register(fapiGuard, { ...guardOptions(name, fixtures), ...(isPassthrough(name) && { passthrough: true }) })
  app.get(ROUTES.resource.path, { onRequest: app.authenticate }, answer)
  app.get(ROUTES.accounts.path, { onRequest: app.authenticate, config: { scopes: ROUTES.accounts.scopes } }, answer)
  app.get(ROUTES.stepUp.path, { onRequest: app.authenticate, config: { acrValues: ROUTES.stepUp.acrValues } }, answer)
  app.get(ROUTES.recent.path, { onRequest: [app.authenticate, app.requireAuthentication({ maxAge: ROUTES.recent.maxAge })] }, answer)
  app.get(ROUTES.claims.path, { onRequest: [app.authenticate, app.requireClaims(...ROUTES.claims.claims)] }, answer)
  app.get(ROUTES.payments.path, { onRequest: app.authenticate, config: { authorizationDetails: ROUTES.payments.authorizationDetails } }, answer)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

export const fastifyAdapter: Adapter = {
  name: 'Fastify',
  async start(fixtures) {
    const apps = new Map<GuardName, { app: FastifyInstance<Server>; origin: string }>()
    for (const name of GUARD_NAMES) {
      const app = await createApp(name, fixtures)
      const address = app.server.address()
      if (address === null || typeof address === 'string') throw new Error('no port')
      apps.set(name, { app, origin: `https://127.0.0.1:${address.port}` })
    }
    const origin = (name: GuardName) => (apps.get(name) as { origin: string }).origin
    return {
      origin,
      send: (name, request) => sendHTTPS(origin(name), request),
      close: async () => {
        await Promise.all([...apps.values()].map(({ app }) => app.close()))
      },
    } satisfies Target
  },
}
