import { createGuardWith, type Guard } from '../guard.js'
import type { GuardOptions } from '../options.js'
import { nodeCryptoBackend } from './node-crypto-backend.js'
import { createTLSClientFetch } from './tls-client-fetch.js'

/**
 * Creates a resource-server guard (Node build: signatures verified with `node:crypto` on keys
 * imported once). Checks every option now and throws a `TypeError` naming the option and the problem.
 */
export function createGuard(options: GuardOptions): Guard {
  return createGuardWith(options, nodeCryptoBackend, { tlsClientFetch: createTLSClientFetch })
}

export * from '../public.js'
export { requestFromNode } from './request-from-node.js'
