import { Module } from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import type { Guard, ReplayStore } from '@fapi-guard/core'
import { createCoreGuard } from './create-core-guard.js'
import { FapiAuthGuard } from './fapi-auth.guard.js'
import { FapiGuardExceptionFilter } from './fapi-guard-exception.filter.js'
import { ProtectedResourceMetadataRoute } from './protected-resource-metadata.route.js'
import { ConfigurableModuleClass, type FapiGuardModuleOptions } from './fapi-guard.module-definition.js'
import { FAPI_GUARD, FAPI_GUARD_OPTIONS, FAPI_REPLAY_STORE } from './tokens.js'

/**
 * Protects a Nest application with fapi-guard. `FapiGuardModule.forRoot(options)` or
 * `forRootAsync({ imports?, useFactory, inject? })` takes the core's `GuardOptions` (plus
 * `passthrough`, optional authentication on every route); the module
 * builds the core guard once (`FAPI_GUARD`), so a bad option fails the bootstrap with the core's
 * `TypeError`. It provides `FapiAuthGuard`, registers `FapiGuardExceptionFilter` globally, and is
 * global unless `isGlobal: false`. A `ReplayStore` provided under `FAPI_REPLAY_STORE` replaces the
 * in-memory DPoP replay store. With the `resource` option, it serves the RFC 9728 protected resource
 * metadata on `GET guard.metadataPath`, on either HTTP platform.
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
export class FapiGuardModule extends ConfigurableModuleClass {}
