import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against the sources; test/packaging checks the built packages through their exports maps.
    alias: [
      { find: /^@fapi-guard\/core$/, replacement: source('./packages/core/src/node/index.ts') },
      { find: /^@fapi-guard\/core\/adapter$/, replacement: source('./packages/core/src/node/adapter.ts') },
      { find: /^@fapi-guard\/core\/aws$/, replacement: source('./packages/core/src/aws.ts') },
      { find: /^@fapi-guard\/core\/observability$/, replacement: source('./packages/core/src/observability.ts') },
      { find: /^@fapi-guard\/express$/, replacement: source('./packages/express/src/index.ts') },
      { find: /^@fapi-guard\/koa$/, replacement: source('./packages/koa/src/index.ts') },
      { find: /^@fapi-guard\/hono$/, replacement: source('./packages/hono/src/index.ts') },
      { find: /^@fapi-guard\/fastify$/, replacement: source('./packages/fastify/src/index.ts') },
      { find: /^@fapi-guard\/nestjs$/, replacement: source('./packages/nestjs/src/index.ts') },
      { find: /^@fapi-guard\/mcp$/, replacement: source('./packages/mcp/src/index.ts') },
      { find: /^@fapi-guard\/testing$/, replacement: source('./packages/testing/src/index.ts') },
      { find: /^@fapi-guard\/redis$/, replacement: source('./packages/redis/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    // The consumer tests install the packed packages; `npm test` runs them on their own after this suite
    // (vitest.consumer.config.ts), so their npm install does not compete with timing-sensitive tests.
    exclude: [...configDefaults.exclude, 'test/consumer/**'],
    testTimeout: 20_000,
    // Test files share a worker's module cache instead of re-importing jose, the frameworks and the
    // sources for each of ~100 files (import time was a third of the run). Tests keep no state in
    // modules they share: each builds its own guards, servers and clocks.
    isolate: false,
    reporters: ['default'],
  },
})
