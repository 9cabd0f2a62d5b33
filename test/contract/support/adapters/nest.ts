import 'reflect-metadata'
import { Controller, Get, Module, type INestApplication, type Type } from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { Auth, FapiAuthGuard, FapiGuardModule, RequireAuthentication, RequireAuthorizationDetails, RequireClaims, Scopes, type AuthContext, type FapiGuardModuleOptions } from '@fapi-guard/nestjs'
import type { AddressInfo } from 'node:net'
import { GUARD_NAMES, guardOptions, isPassthrough, type Fixtures, type GuardName } from '../fixtures.js'
import { sendHTTPS, tlsOptions } from '../https.js'
import { ROUTES, routeBody } from '../routes.js'
import type { Adapter, Target } from '../target.js'

/**
 * The contract routes as a Nest controller: requirements as decorators, the guard global (APP_GUARD);
 * the `passthrough` app sets the module-wide option (so `@Auth()` may be `undefined`).
 */
@Controller()
class ContractController {
  @Get(ROUTES.resource.path)
  resource(@Auth() auth: AuthContext | undefined) {
    return routeBody(auth)
  }

  @Get(ROUTES.accounts.path)
  @Scopes(...ROUTES.accounts.scopes)
  accounts(@Auth() auth: AuthContext | undefined) {
    return routeBody(auth)
  }

  @Get(ROUTES.stepUp.path)
  @RequireAuthentication({ acrValues: ROUTES.stepUp.acrValues })
  stepUp(@Auth() auth: AuthContext | undefined) {
    return routeBody(auth)
  }

  @Get(ROUTES.recent.path)
  @RequireAuthentication({ maxAge: ROUTES.recent.maxAge })
  recent(@Auth() auth: AuthContext | undefined) {
    return routeBody(auth)
  }

  @Get(ROUTES.claims.path)
  @RequireClaims(...ROUTES.claims.claims)
  claims(@Auth() auth: AuthContext | undefined) {
    return routeBody(auth)
  }

  @Get(ROUTES.payments.path)
  @RequireAuthorizationDetails(...ROUTES.payments.authorizationDetails)
  payments(@Auth() auth: AuthContext | undefined) {
    return routeBody(auth)
  }
}

function appModule(options: FapiGuardModuleOptions): Type {
  @Module({ imports: [FapiGuardModule.forRoot(options)], controllers: [ContractController], providers: [{ provide: APP_GUARD, useClass: FapiAuthGuard }] })
  class ContractModule {}
  return ContractModule
}

type Platform = 'express' | 'fastify'

async function createApp(platform: Platform, name: GuardName, fixtures: Fixtures): Promise<INestApplication> {
  // `readyOnBootstrap: false`: the suite's guards trust an issuer that is down on purpose; the others load keys on first use too.
  const module = appModule({ ...guardOptions(name, fixtures), readyOnBootstrap: false, ...(isPassthrough(name) && { passthrough: true }) })
  const settings = { logger: false, abortOnError: false } as const
  const tls = tlsOptions(fixtures.serverCertificate)
  const app =
    platform === 'express'
      ? await NestFactory.create(module, new ExpressAdapter(), { ...settings, httpsOptions: tls })
      : await NestFactory.create(module, new FastifyAdapter({ https: tls }), settings)
  await app.listen(0, '127.0.0.1')
  return app
}

function nestAdapter(platform: Platform): Adapter {
  return {
    name: `Nest on ${platform === 'express' ? 'Express' : 'Fastify'}`,
    async start(fixtures) {
      const apps = new Map<GuardName, { app: INestApplication; origin: string }>()
      for (const name of GUARD_NAMES) {
        const app = await createApp(platform, name, fixtures)
        const { port } = (app.getHttpServer() as { address(): AddressInfo }).address()
        apps.set(name, { app, origin: `https://127.0.0.1:${port}` })
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
}

export const nestExpressAdapter = nestAdapter('express')
export const nestFastifyAdapter = nestAdapter('fastify')
