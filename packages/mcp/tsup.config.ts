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
  external: ['express', '@fapi-guard/core', '@modelcontextprotocol/sdk'],
  esbuildOptions(options) {
    // `import './augment.js'` brings in a type-only module; esbuild rightly drops it from the bundle.
    options.logOverride = { ...options.logOverride, 'ignored-bare-import': 'silent' }
  },
})
