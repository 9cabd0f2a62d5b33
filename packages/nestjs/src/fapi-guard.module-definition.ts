import { ConfigurableModuleBuilder } from '@nestjs/common'
import type { GuardOptions } from '@fapi-guard/core'
import { FAPI_GUARD_OPTIONS } from './tokens.js'

/** Options of the Nest module itself, beside the core's. */
export interface FapiGuardAdapterOptions {
  /**
   * `false` (default): every route `FapiAuthGuard` guards needs valid credentials. `true`: optional
   * authentication on every route, as if each had `@Passthrough()` (a route's `@Passthrough(false)` turns it off).
   */
  passthrough?: boolean
  /**
   * `true` (default): the issuers' metadata and keys are loaded when the application bootstraps
   * (`guard.ready()` in `onApplicationBootstrap`), so an unreachable or misconfigured issuer fails
   * `app.init()` / `app.listen()` with the precise reason instead of the first request. `false`: keys
   * are loaded on first use (an issuer that is down at startup does not stop the application).
   */
  readyOnBootstrap?: boolean
}

/** Options of `FapiGuardModule.forRoot()` and the result of the `forRootAsync()` factory: the core's `GuardOptions` plus `passthrough`. */
export type FapiGuardModuleOptions = GuardOptions & FapiGuardAdapterOptions

/** What `forRoot` / `forRootAsync` take beside the guard options. */
export interface FapiGuardModuleExtras {
  /** Register the module globally, so `FapiAuthGuard` and `FAPI_GUARD` resolve in every module. Default `true`. */
  isGlobal?: boolean
}

const DEFAULT_IS_GLOBAL = true

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } = new ConfigurableModuleBuilder<FapiGuardModuleOptions>({
  moduleName: 'FapiGuard',
  optionsInjectionToken: FAPI_GUARD_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras<FapiGuardModuleExtras>({ isGlobal: DEFAULT_IS_GLOBAL }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? DEFAULT_IS_GLOBAL,
  }))
  .build()
