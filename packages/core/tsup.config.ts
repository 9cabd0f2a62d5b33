import { defineConfig, type Options } from 'tsup'

// `adapter`: the `@fapi-guard/core/adapter` subpath for adapter authors, in both builds like `.`;
// `aws` and `observability`: the subpaths for Lambda handlers and for audit logs and tracing.
const entry = {
  index: 'src/index.ts',
  'node/index': 'src/node/index.ts',
  'adapter/index': 'src/adapter/index.ts',
  'node/adapter': 'src/node/adapter.ts',
  // One build for both conditions: nothing in them depends on the crypto backend.
  aws: 'src/aws.ts',
  observability: 'src/observability.ts',
}

const code: Options = {
  entry,
  dts: false,
  splitting: true,
  // No source maps in the package: the output is readable, unminified code, and tsup's CommonJS
  // splitting wrote the build machine's absolute paths into the maps.
  sourcemap: false,
  target: 'node20',
  platform: 'neutral',
  external: ['node:crypto'],
}

export default defineConfig([
  // ESM keeps `jose` a dependency: import works on every Node, bundler and edge runtime.
  // The `fapi-guard` command (ESM only: it runs on Node, where ESM always loads) is built with it.
  { ...code, entry: { ...entry, cli: 'src/cli/main.ts' }, format: 'esm', clean: ['!**/*.cjs', '!**/*.d.{ts,cts,mts}'] },
  // CommonJS carries the part of `jose` it uses. jose 6 is ESM-only: `require()` of it fails on
  // Node without require(esm) and in Jest (its module registry never loads ESM through require),
  // so a CommonJS consumer must never reach it.
  // Without splitting: tsup splits CommonJS by rewriting esbuild's ESM output with sucrase, which
  // breaks jose's `super(…), this.x = …` (a SyntaxError); each entry is whole instead, and a CommonJS
  // process on Node only ever loads `node/index.cjs` (and `node/adapter.cjs`: the state the two share —
  // which guard verified an AuthContext — sits under a registered symbol, so both copies see it).
  { ...code, format: 'cjs', splitting: false, noExternal: ['jose'], clean: ['!**/*.js', '!**/*.d.{ts,cts,mts}'] },
  // Types, once for both formats. `types` (src/public.ts, every public name) is an entry so the
  // declarations both entry points share land in `types.d.ts`, not in a chunk named after whichever
  // module came first; `adapter/types` (src/adapter/public.ts) likewise for the adapter subpath, whose
  // declarations import the core types from `types.d.ts`.
  {
    entry,
    format: ['esm', 'cjs'],
    dts: { only: true, entry: { ...entry, types: 'src/public.ts', 'adapter/types': 'src/adapter/public.ts' } },
    // The `/adapter` declarations import the core types from the main entry (`@fapi-guard/core`, one copy).
    external: ['@fapi-guard/core'],
    clean: true,
    target: 'node20',
    platform: 'neutral',
  },
])
