// Module resolution hooks: `@fapi-guard/*` imports resolve to the packages' TypeScript sources (run
// through tsx), so the HTTP servers measure the working tree, as the micro benchmarks do, and never a
// stale or half-rebuilt dist/. Registered by sources.mjs.
import { pathToFileURL } from 'node:url'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SOURCES = {
  '@fapi-guard/core': 'packages/core/src/node/index.ts',
  '@fapi-guard/core/adapter': 'packages/core/src/node/adapter.ts',
  '@fapi-guard/express': 'packages/express/src/index.ts',
  '@fapi-guard/fastify': 'packages/fastify/src/index.ts',
  '@fapi-guard/koa': 'packages/koa/src/index.ts',
  '@fapi-guard/hono': 'packages/hono/src/index.ts',
}

export async function resolve(specifier, context, nextResolve) {
  const source = SOURCES[specifier]
  if (source !== undefined && process.env.BENCH_ADAPTERS !== 'dist') {
    // Handed on as a file URL, so tsx resolves (and later transforms) it like any .ts import.
    return nextResolve(pathToFileURL(join(root, source)).href, context)
  }
  return nextResolve(specifier, context)
}
