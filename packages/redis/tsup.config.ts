import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps in the package: the output is readable, unminified code.
  sourcemap: false,
  clean: true,
  target: 'node20',
  platform: 'node',
  external: ['ioredis', '@fapi-guard/core'],
})
