import 'reflect-metadata'
import { applyDecorators, Controller, Get, Inject, Module, Req, UseFilters, UseGuards, type DynamicModule, type Provider, type Type } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { Auth, FAPI_GUARD, FapiAuthGuard, FapiGuardExceptionFilter, FapiGuardModule, Public, Scopes, type AuthContext, type AuthenticatedRequest, type Guard, type GuardOptions } from '@fapi-guard/nestjs'

// Every constructor dependency is named with @Inject: esbuild (vitest, tsup) emits no
// "design:paramtypes" metadata, so injection by type alone would not work here.

/** How the guard is put on the routes: one global APP_GUARD, or @UseGuards on each controller. */
export type GuardMode = 'global' | 'use-guards'
export const guardModes: readonly GuardMode[] = ['global', 'use-guards']

/** How many times the routes ran: a refused request must never reach one. */
export interface RouteCounter {
  count: number
}

/** The summary of an `AuthContext` the routes answer with. */
function describeAuth(auth: AuthContext) {
  return { subject: auth.subject, clientId: auth.clientId, scopes: auth.scopes, source: auth.source, binding: auth.binding }
}

/** The controllers of the test application: scoped, overridden, public and unscoped routes. */
export function testControllers(mode: GuardMode, counter: RouteCounter): Type[] {
  const guarded = mode === 'use-guards' ? UseGuards(FapiAuthGuard) : applyDecorators()

  @Controller('accounts')
  @Scopes('accounts:read')
  @guarded
  class AccountsController {
    constructor(@Inject(FAPI_GUARD) private readonly guard: Guard) {}

    @Get()
    list(@Auth() auth: AuthContext) {
      counter.count += 1
      return describeAuth(auth)
    }

    @Get('subject')
    subject(@Auth('subject') subject: string, @Req() request: AuthenticatedRequest) {
      counter.count += 1
      return { subject, requestAuth: request.auth?.subject ?? null }
    }

    /** The method's @Scopes replaces the controller's. */
    @Get('payments')
    @Scopes('payments:write')
    payments(@Auth('scopes') scopes: readonly string[]) {
      counter.count += 1
      return { scopes }
    }

    @Get('open')
    @Public()
    open(@Auth() auth: AuthContext | undefined) {
      counter.count += 1
      return { auth: auth ?? null }
    }

    /** A GuardError thrown by route code: the opt-in filter answers it with the challenge. */
    @Get('admin')
    @UseFilters(FapiGuardExceptionFilter)
    admin(@Auth() auth: AuthContext) {
      counter.count += 1
      this.guard.requireScopes(auth, ['admin'])
      return { admin: true }
    }
  }

  @Controller('resource')
  @guarded
  class ResourceController {
    @Get()
    read(@Auth() auth: AuthContext) {
      counter.count += 1
      return describeAuth(auth)
    }
  }

  @Controller('health')
  @Public()
  @guarded
  class HealthController {
    @Get()
    health() {
      counter.count += 1
      return { ok: true }
    }
  }

  return [AccountsController, ResourceController, HealthController]
}

/** Providers that put the guard on every route in global mode. */
export function guardProviders(mode: GuardMode): Provider[] {
  return mode === 'global' ? [{ provide: APP_GUARD, useClass: FapiAuthGuard }] : []
}

/** The application module: FapiGuardModule (forRoot, or the dynamic module given) and the test controllers. */
export function testModule(guardModule: GuardOptions | DynamicModule, mode: GuardMode, counter: RouteCounter = { count: 0 }): Type {
  const imported = 'module' in guardModule ? guardModule : FapiGuardModule.forRoot(guardModule)

  @Module({ imports: [imported], controllers: testControllers(mode, counter), providers: guardProviders(mode) })
  class AppModule {}

  return AppModule
}
