import { createGuard as createWebGuard } from '../../src/index.js'
import { createGuard as createNodeGuard } from '../../src/node/index.js'

/** Both entry points: every behaviour test runs on Web Crypto and on node:crypto, with the same results. */
export const backends = [
  { name: 'node:crypto', createGuard: createNodeGuard },
  { name: 'web crypto', createGuard: createWebGuard },
] as const
