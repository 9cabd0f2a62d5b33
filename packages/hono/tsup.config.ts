import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps in the package: the output is readable, unminified code.
  sourcemap: false,
  clean: true,
  target: 'es2022',
  // Nothing from Node: the same build runs on Node, Bun, Deno and Cloudflare Workers.
  platform: 'neutral',
  external: ['hono', /^hono\//, '@fapi-guard/core', /^@fapi-guard\/core\//],
})
