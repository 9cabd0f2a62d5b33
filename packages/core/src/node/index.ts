import { debuglog } from 'node:util'
import { createGuardWith, type Guard } from '../pipeline/guard.js'
import type { GuardOptions } from '../options/types.js'
import { resolveAdapterGuardWith } from '../adapter/resolve-adapter-guard.js'
import type { AdapterGuard } from '../public.js'
import { nodeCryptoBackend, nodeCryptoBackendOffloading } from './node-crypto-backend.js'
import { createTLSClientFetch } from './tls-client-fetch.js'

/**
 * Creates a resource-server guard (Node build: signatures verified with `node:crypto` on keys
 * imported once, on the thread `offloadSignatures` picks). Checks every option now and throws a
 * `TypeError` naming the option and the problem.
 */
export function createGuard(options: GuardOptions): Guard {
  return createGuardWith(
    options,
    ({ offloadSignatures }) => (offloadSignatures === 'auto' ? nodeCryptoBackend : nodeCryptoBackendOffloading(offloadSignatures)),
    { tlsClientFetch: createTLSClientFetch, debug: nodeDebug() },
  )
}

/**
 * `NODE_DEBUG=fapi-guard` (Node's `util.debuglog` convention): every decision, with the operator's
 * cause of each refusal, on stderr. Read when the guard is created; `undefined` (no cost) otherwise.
 */
function nodeDebug(): ((message: string) => void) | undefined {
  const log = debuglog('fapi-guard')
  return log.enabled ? (message) => log('%s', message) : undefined
}

/**
 * For adapter authors: `guard(options)` or `guard(existingGuard, adapterOptions)`, split and built (Node build).
 * @deprecated Import it from `@fapi-guard/core/adapter`.
 */
export function resolveAdapterGuard<K extends string>(first: unknown, second: unknown, adapterKeys: readonly K[]): AdapterGuard<K> {
  return resolveAdapterGuardWith(first, second, adapterKeys, createGuard)
}

export * from '../public.js'
export { requestFromNode } from './request-from-node.js'
