import { createGuard, type DPoPOptions, type Guard, type GuardOptions, type ReplayStore } from '@fapi-guard/core'

function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Builds the module's one core `Guard`. A `ReplayStore` provided under `FAPI_REPLAY_STORE` becomes
 * `dpop.replayStore`; every option is then checked by the core's `createGuard`, whose `TypeError`
 * (naming the bad option) makes the application fail to bootstrap.
 */
export function createCoreGuard(options: GuardOptions, replayStore?: ReplayStore | null): Guard {
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
