import type { Guard, GuardOptions } from '@fapi-guard/core'
import { isGuard as isAnyGuard } from '../pipeline/guard.js'

/** True for a guard made by `createGuard` (or anything with its methods). */
export const isGuard: (value: unknown) => value is Guard = isAnyGuard

/** The guard an adapter runs and the adapter's own options, separated. */
export interface AdapterGuard<K extends string> {
  readonly guard: Guard
  readonly adapterOptions: Partial<Record<K, unknown>>
}

/**
 * For adapter authors: `guard(options)` or `guard(existingGuard, adapterOptions)`. Splits the adapter's
 * own options (`adapterKeys`) from the core's, so the core's check of unknown options stays strict,
 * and builds the core guard now (a `TypeError` names a bad option). The adapter checks its own values.
 */
export function resolveAdapterGuardWith<K extends string>(
  first: unknown,
  second: unknown,
  adapterKeys: readonly K[],
  build: (options: GuardOptions) => Guard,
): AdapterGuard<K> {
  const plainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
  if (isGuard(first)) {
    if (second === undefined) return { guard: first, adapterOptions: {} }
    if (!plainObject(second)) throw new TypeError('fapi-guard: the second argument of guard(existingGuard, options) must be an options object')
    for (const key of Object.keys(second)) {
      if (!(adapterKeys as readonly string[]).includes(key)) {
        throw new TypeError(`fapi-guard: option "${key}" is not an adapter option; give core options to createGuard()`)
      }
    }
    return { guard: first, adapterOptions: second as Partial<Record<K, unknown>> }
  }
  if (!plainObject(first)) throw new TypeError('fapi-guard: guard() takes an options object or a Guard from createGuard()')
  if (second !== undefined) throw new TypeError(`fapi-guard: guard(options) takes one argument; put ${adapterKeys.map((key) => `"${key}"`).join(', ')} in the options`)
  const core: Record<string, unknown> = {}
  const adapterOptions: Partial<Record<K, unknown>> = {}
  for (const [key, value] of Object.entries(first)) {
    if ((adapterKeys as readonly string[]).includes(key)) adapterOptions[key as K] = value
    else core[key] = value
  }
  return { guard: build(core as unknown as GuardOptions), adapterOptions }
}
