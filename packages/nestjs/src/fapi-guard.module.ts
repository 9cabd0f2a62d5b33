import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common'
import type { Guard, ReplayStore } from '@fapi-guard/core'
import { createCoreGuard } from './create-core-guard.js'
import { FapiAuthGuard } from './fapi-auth.guard.js'
import { ProtectedResourceMetadataRoute } from './protected-resource-metadata.route.js'
import { ConfigurableModuleClass, type FapiGuardModuleOptions } from './fapi-guard.module-definition.js'
import { readReadyOnBootstrap } from './read-module-options.js'
import { FAPI_GUARD, FAPI_GUARD_OPTIONS, FAPI_REPLAY_STORE, LEGACY_TOKENS } from './tokens.js'

/**
 * Protects a Nest application with fapi-guard. `FapiGuardModule.forRoot(options)` or
 * `forRootAsync({ imports?, useFactory, inject? })` takes the core's `GuardOptions` (plus
 * `passthrough`, optional authentication on every route); the module
 * builds the core guard once (`FAPI_GUARD`), so a bad option fails the bootstrap with the core's
 * `TypeError`. It provides `FapiAuthGuard` and is global unless `isGlobal: false`; refusals need no
 * exception filter (`FapiGuardExceptionFilter` is opt-in, for `GuardError`s your own code throws). A `ReplayStore` provided under `FAPI_REPLAY_STORE` replaces the
 * in-memory DPoP replay store. With the `resource` option, it serves the RFC 9728 protected resource
 * metadata on `GET guard.metadataPath`, on either HTTP platform. When the application bootstraps it
 * loads every issuer's keys (`guard.ready()`), unless `readyOnBootstrap: false`.
 */
@Module({
  providers: [
    {
      provide: FAPI_GUARD,
      useFactory: (options: FapiGuardModuleOptions, store: ReplayStore | undefined, legacyStore: ReplayStore | undefined): Guard =>
        createCoreGuard(options, store ?? legacyStore),
      inject: [FAPI_GUARD_OPTIONS, { token: FAPI_REPLAY_STORE, optional: true }, { token: LEGACY_TOKENS.replayStore, optional: true }],
    },
    // The string tokens of earlier versions keep resolving.
    { provide: LEGACY_TOKENS.guard, useExisting: FAPI_GUARD },
    { provide: LEGACY_TOKENS.options, useExisting: FAPI_GUARD_OPTIONS },
    FapiAuthGuard,
    ProtectedResourceMetadataRoute,
  ],
  exports: [FAPI_GUARD, FAPI_GUARD_OPTIONS, LEGACY_TOKENS.guard, LEGACY_TOKENS.options, FapiAuthGuard],
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
