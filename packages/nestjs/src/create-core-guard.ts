import { createGuard, type DPoPOptions, type Guard, type GuardOptions, type ReplayStore } from '@fapi-guard/core'
import type { FapiGuardAdapterOptions, FapiGuardModuleOptions } from './fapi-guard.module-definition.js'
import { readPassthrough, readReadyOnBootstrap } from './read-module-options.js'

function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The module's own options, which the core does not take. */
const MODULE_OPTIONS = ['passthrough', 'readyOnBootstrap'] as const satisfies ReadonlyArray<keyof FapiGuardAdapterOptions>

/** The core's options: the module options without the module's own. */
function withoutModuleOptions(options: FapiGuardModuleOptions): GuardOptions {
  if (!MODULE_OPTIONS.some((name) => name in options)) return options
  const core: Record<string, unknown> = { ...options }
  for (const name of MODULE_OPTIONS) delete core[name]
  return core as unknown as GuardOptions
}

/**
 * Builds the module's one core `Guard`. The module's own options (`passthrough`, `readyOnBootstrap`) are checked and left
 * out; a `ReplayStore` provided under `FAPI_REPLAY_STORE` becomes `dpop.replayStore`; every option is
 * then checked by the core's `createGuard`, whose `TypeError` (naming the bad option) makes the
 * application fail to bootstrap.
 */
export function createCoreGuard(moduleOptions: FapiGuardModuleOptions, replayStore?: ReplayStore | null): Guard {
  readPassthrough(moduleOptions)
  readReadyOnBootstrap(moduleOptions)
  const options: GuardOptions = isOptionsObject(moduleOptions) ? withoutModuleOptions(moduleOptions) : moduleOptions
  if (replayStore === undefined || replayStore === null) return createGuard(options)
  // Not an options object, or `dpop` of the wrong kind: the core says what is wrong with it.
  // `dpop: false`: there are no proofs to remember (DPoP-bound tokens are refused).
  if (!isOptionsObject(options) || (options.dpop !== undefined && !isOptionsObject(options.dpop))) return createGuard(options)
  const dpop: DPoPOptions = options.dpop ?? {}
  if (dpop.replayStore !== undefined && dpop.replayStore !== replayStore) {
    throw new TypeError('fapi-guard: option "dpop.replayStore" is set and a FAPI_REPLAY_STORE provider exists; use one of them')
  }
  return createGuard({ ...options, dpop: { ...dpop, replayStore } })
}
