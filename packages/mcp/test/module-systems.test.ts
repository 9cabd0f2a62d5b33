import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The built package (dist, through its exports map) as applications load it: the SDK is a peer
// dependency, so the ESM build's refusals are the SDK's ESM error classes and the CommonJS build's its
// CommonJS ones — requireBearerAuth of the same module system answers 401, never 500.

const script = (name: string) => fileURLToPath(new URL(`./module-systems/${name}`, import.meta.url))
const dist = fileURLToPath(new URL('../dist/index.cjs', import.meta.url))

function run(name: string, ...args: string[]): { status: number; challenge: string | null } {
  if (!existsSync(dist)) throw new Error('packages/mcp/dist is missing: run `npm run build` first')
  return JSON.parse(execFileSync(process.execPath, [script(name), ...args], { encoding: 'utf8', timeout: 60_000 })) as { status: number; challenge: string | null }
}

describe('createTokenVerifier from the built package', { timeout: 90_000 }, () => {
  it('CommonJS: require()d with the CommonJS requireBearerAuth → 401 invalid_token', () => {
    expect(run('verifier.cjs')).toEqual({ status: 401, challenge: expect.stringMatching(/^Bearer error="invalid_token"/) })
  })

  it('ESM: imported with the ESM requireBearerAuth → 401 invalid_token', () => {
    expect(run('verifier.mjs')).toEqual({ status: 401, challenge: expect.stringMatching(/^Bearer error="invalid_token"/) })
  })

  it('the hazard is real: the CommonJS build into the ESM requireBearerAuth gets 500 (so the builds must not share one copy of the SDK)', () => {
    expect(run('verifier.mjs', '--mixed')).toMatchObject({ status: 500 })
  })
})
