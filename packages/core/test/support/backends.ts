import type { Guard } from '../../src/pipeline/guard.js'
import type { GuardOptions } from '../../src/options/types.js'
import { createGuard as createWebGuard } from '../../src/index.js'
import { createGuard as createNodeGuard } from '../../src/node/index.js'

/** The `createGuard` of one entry point. */
export type CreateGuard = (options: GuardOptions) => Guard

/**
 * Both entry points, for the conformance tests only: where crypto is under test (algorithms, signatures,
 * RFC vectors, thumbprints, key strength) the Web Crypto and node:crypto builds must give the same results.
 * Everything else runs once, on the Node build.
 */
export const backends: ReadonlyArray<{ readonly name: string; readonly createGuard: CreateGuard }> = [
  { name: 'node:crypto', createGuard: createNodeGuard },
  { name: 'web crypto', createGuard: createWebGuard },
]
