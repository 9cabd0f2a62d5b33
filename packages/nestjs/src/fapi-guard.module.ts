import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import type { Guard, ReplayStore } from '@fapi-guard/core'
import { createCoreGuard } from './create-core-guard.js'
import { FapiAuthGuard } from './fapi-auth.guard.js'
import { FapiGuardExceptionFilter } from './fapi-guard-exception.filter.js'
import { ProtectedResourceMetadataRoute } from './protected-resource-metadata.route.js'
import { ConfigurableModuleClass, type FapiGuardModuleOptions } from './fapi-guard.module-definition.js'
import { readReadyOnBootstrap } from './read-module-options.js'
import { FAPI_GUARD, FAPI_GUARD_OPTIONS, FAPI_REPLAY_STORE } from './tokens.js'

/**
 * Protects a Nest application with fapi-guard. `FapiGuardModule.forRoot(options)` or
 * `forRootAsync({ imports?, useFactory, inject? })` takes the core's `GuardOptions` (plus
 * `passthrough`, optional authentication on every route); the module
 * builds the core guard once (`FAPI_GUARD`), so a bad option fails the bootstrap with the core's
 * `TypeError`. It provides `FapiAuthGuard`, registers `FapiGuardExceptionFilter` globally, and is
 * global unless `isGlobal: false`. A `ReplayStore` provided under `FAPI_REPLAY_STORE` replaces the
 * in-memory DPoP replay store. With the `resource` option, it serves the RFC 9728 protected resource
 * metadata on `GET guard.metadataPath`, on either HTTP platform. When the application bootstraps it
 * loads every issuer's keys (`guard.ready()`), unless `readyOnBootstrap: false`.
 */
@Module({
  providers: [
    {
      provide: FAPI_GUARD,
      useFactory: (options: FapiGuardModuleOptions, replayStore: ReplayStore | undefined): Guard => createCoreGuard(options, replayStore),
      inject: [FAPI_GUARD_OPTIONS, { token: FAPI_REPLAY_STORE, optional: true }],
    },
    FapiAuthGuard,
    ProtectedResourceMetadataRoute,
    { provide: APP_FILTER, useClass: FapiGuardExceptionFilter },
  ],
  exports: [FAPI_GUARD, FAPI_GUARD_OPTIONS, FapiAuthGuard],
})
export class FapiGuardModule extends ConfigurableModuleClass implements OnApplicationBootstrap {
  constructor(
    @Inject(FAPI_GUARD) private readonly guard: Guard,
    @Inject(FAPI_GUARD_OPTIONS) private readonly options: FapiGuardModuleOptions,
  ) {
    super()
  }

  /** `readyOnBootstrap` (default on): load every issuer's keys now; a failure fails the bootstrap with its reason. */
  async onApplicationBootstrap(): Promise<void> {
    if (readReadyOnBootstrap(this.options)) await this.guard.ready()
  }
}
