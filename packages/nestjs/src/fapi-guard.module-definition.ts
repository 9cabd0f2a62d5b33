import { ConfigurableModuleBuilder } from '@nestjs/common'
import type { GuardOptions } from '@fapi-guard/core'
import { FAPI_GUARD_OPTIONS } from './tokens.js'

/** Options of `FapiGuardModule.forRoot()` and the result of the `forRootAsync()` factory: the core's `GuardOptions`. */
export type FapiGuardModuleOptions = GuardOptions

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
