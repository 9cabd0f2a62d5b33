import { createGuardWith, type Guard } from './guard.js'
import { webCryptoBackend } from './keys/crypto-backend.js'
import type { GuardOptions } from './options.js'

/**
 * Creates a resource-server guard. Checks every option now and throws a `TypeError` naming the
 * option and the problem. This entry point verifies signatures with Web Crypto; on Node the `node`
 * export condition gives the same API backed by `node:crypto`.
 */
export function createGuard(options: GuardOptions): Guard {
  return createGuardWith(options, webCryptoBackend)
}

export * from './public.js'
