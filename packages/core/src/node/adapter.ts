import { resolveAdapterGuardWith, type AdapterGuard } from '../adapter/resolve-adapter-guard.js'
import { createGuard } from './index.js'

/**
 * `guard(options)` or `guard(existingGuard, adapterOptions)`, split and built (Node build: `node:crypto`):
 * the adapter's own options (`adapterKeys`) apart from the core's, so the core's check of unknown
 * options stays strict; the core guard is built now (a `TypeError` names a bad option).
 */
export function resolveAdapterGuard<K extends string>(first: unknown, second: unknown, adapterKeys: readonly K[]): AdapterGuard<K> {
  return resolveAdapterGuardWith(first, second, adapterKeys, createGuard)
}

// The names both builds share, as src/adapter/index.ts lists them (`resolveAdapterGuard` above is this build's own).
export * from '../adapter/public.js'
