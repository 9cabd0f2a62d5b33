import { defineConfig } from 'vitest/config'

/**
 * The consumer tests: the packed packages installed outside the workspace and used from ESM,
 * CommonJS and Jest projects. No aliases here; everything resolves from the scratch install.
 */
export default defineConfig({
  test: {
    include: ['test/consumer/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
})
