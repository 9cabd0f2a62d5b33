import { createGuardWith, type Guard } from './pipeline/guard.js'
import { webCryptoBackend } from './keys/crypto-backend.js'
import type { GuardOptions } from './options/types.js'
import { resolveAdapterGuardWith } from './adapter/resolve-adapter-guard.js'
import type { AdapterGuard } from './public.js'

/**
 * Creates a resource-server guard. Checks every option now and throws a `TypeError` naming the
 * option and the problem. This entry point verifies signatures with Web Crypto; on Node the `node`
 * export condition gives the same API backed by `node:crypto`.
 */
export function createGuard(options: GuardOptions): Guard {
  return createGuardWith(options, webCryptoBackend)
}

/**
 * For adapter authors: `guard(options)` or `guard(existingGuard, adapterOptions)`, split and built.
 * @deprecated Import it from `@fapi-guard/core/adapter`.
 */
export function resolveAdapterGuard<K extends string>(first: unknown, second: unknown, adapterKeys: readonly K[]): AdapterGuard<K> {
  return resolveAdapterGuardWith(first, second, adapterKeys, createGuard)
}

export * from './public.js'
