import { defineConfig, type Options } from 'tsup'

const code: Options = {
  entry: ['src/index.ts'],
  dts: false,
  // No source maps in the package: the output is readable, unminified code.
  sourcemap: false,
  target: 'node20',
  platform: 'node',
}

export default defineConfig([
  { ...code, format: 'esm', clean: ['!**/*.cjs', '!**/*.d.{ts,cts,mts}'] },
  // CommonJS carries the part of `jose` it uses: jose 6 is ESM-only, and `require()` of it fails on
  // Node without require(esm) and in Jest, so a CommonJS consumer must never reach it.
  { ...code, format: 'cjs', noExternal: ['jose'], clean: ['!**/*.js', '!**/*.d.{ts,cts,mts}'] },
  { entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: { only: true }, clean: true, target: 'node20', platform: 'node' },
])
