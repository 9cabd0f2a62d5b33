/**
 * The packages as users install them, on the Node that runs this suite (`npm test` runs it on every
 * supported major): the tarballs' contents, an ESM TypeScript project, a CommonJS TypeScript project
 * (with and without require(esm)), and a Jest 30 project testing a guarded Express route.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, PACKAGES, prepareScratch, REPO_ROOT, removePackDir, type Scratch } from './scratch.js'

/** The Node versions the packages declare (README, "Supported Node versions"). */
const ENGINES = '^20.19.0 || ^22.12.0 || >=24.0.0'
const SUPPORTED = (version: string): boolean => {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  return (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 24
}

let scratch: Scratch

beforeAll(() => {
  scratch = prepareScratch()
}, 600_000)

afterAll(() => {
  if (scratch) removePackDir(scratch)
})

/** Runs a script with this Node, in the scratch folder; returns what it printed (stdout and stderr). */
function run(args: string[], cwd = scratch.root): string {
  const result = spawnSync(process.execPath, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 120_000 })
  const output = `${result.stdout}${result.stderr}`
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status ?? result.signal ?? result.error?.message}):\n${output}`)
  return output
}

/** Typechecks and compiles a scratch project with the scratch install's TypeScript, once per run. */
function compile(project: string): string {
  const dir = join(scratch.root, project)
  if (!existsSync(join(dir, 'dist'))) run([bin('typescript/bin/tsc'), '-p', dir])
  return dir
}

const bin = (path: string): string => join(scratch.root, 'node_modules', path)

describe(`consumers on Node ${process.version}`, () => {
  it('runs on a Node version the packages declare', () => {
    expect(SUPPORTED(process.version), `${process.version} is outside ${ENGINES}`).toBe(true)
  })

  it('tarballs hold the build, README, LICENSE and package.json only, with registry metadata', () => {
    expect(scratch.packed.map((pkg) => pkg.dir).sort()).toEqual([...PACKAGES].sort())
    for (const pkg of scratch.packed) {
      expect(pkg.files, pkg.name).toContain('LICENSE')
      expect(pkg.files, pkg.name).toContain('README.md')
      expect(pkg.files, pkg.name).toContain('package.json')
      for (const file of pkg.files) {
        expect(file, `${pkg.name}: ${file}`).toMatch(/^(LICENSE|README\.md|package\.json|dist\/[\w/-]+\.(js|cjs|d\.ts|d\.cts))$/)
      }
      const manifest = JSON.parse(readFileSync(bin(`${pkg.name}/package.json`), 'utf8')) as Record<string, unknown>
      expect(manifest.license, pkg.name).toBe('MIT')
      expect(manifest.engines, pkg.name).toEqual({ node: ENGINES })
      expect(manifest.repository, pkg.name).toEqual({ type: 'git', url: 'git+https://github.com/fapi-guard/fapi-guard.git', directory: `packages/${pkg.dir}` })
      expect(manifest.homepage, pkg.name).toMatch(/^https:\/\//)
      expect(manifest.bugs, pkg.name).toEqual({ url: 'https://github.com/fapi-guard/fapi-guard/issues' })
      expect(readFileSync(bin(`${pkg.name}/LICENSE`), 'utf8'), pkg.name).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} fapi-guard contributors\n/)
    }
  })

  it('tarballs name no path of the build machine, and READMEs link only to absolute URLs', () => {
    const machinePaths = [REPO_ROOT, `${process.env.HOME ?? ''}/`].filter((path) => path.length > 2)
    for (const pkg of scratch.packed) {
      for (const file of pkg.files) {
        const text = readFileSync(bin(`${pkg.name}/${file}`), 'utf8')
        for (const path of machinePaths) expect(text.includes(path), `${pkg.name}/${file} contains ${path}`).toBe(false)
      }
      const readme = readFileSync(bin(`${pkg.name}/README.md`), 'utf8')
      const relative = [...readme.matchAll(/\]\((?!https?:\/\/|#|mailto:)([^)]*)\)/g)].map((match) => match[1])
      expect(relative, `${pkg.name} README relative links`).toEqual([])
    }
  })

  it("core's public types live in types.d.ts / types.d.cts, not in a chunk named after a module", () => {
    const core = scratch.packed.find((pkg) => pkg.dir === 'core')
    expect(core?.files).toEqual(expect.arrayContaining(['dist/types.d.ts', 'dist/types.d.cts', 'dist/node/index.d.ts', 'dist/node/index.d.cts']))
    const declarations = core?.files.filter((file) => /\.d\.c?ts$/.test(file)) ?? []
    expect(declarations.sort()).toEqual([
      'dist/adapter/index.d.cts',
      'dist/adapter/index.d.ts',
      'dist/adapter/types.d.cts',
      'dist/adapter/types.d.ts',
      'dist/aws.d.cts',
      'dist/aws.d.ts',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/node/adapter.d.cts',
      'dist/node/adapter.d.ts',
      'dist/node/index.d.cts',
      'dist/node/index.d.ts',
      'dist/observability.d.cts',
      'dist/observability.d.ts',
      'dist/types.d.cts',
      'dist/types.d.ts',
    ])
    expect(readFileSync(bin('@fapi-guard/core/dist/types.d.ts'), 'utf8')).toMatch(/^interface GuardOptions\b/m)
    // The /adapter subpath takes the core types from the main entry: one GuardError class for both.
    expect(readFileSync(bin('@fapi-guard/core/dist/adapter/types.d.ts'), 'utf8')).toMatch(/^import \{[^}]*\bGuardError\b[^}]*\} from '@fapi-guard\/core';$/m)
    // So do /aws and /observability: a refusal from verify fits toApiGatewayResult.
    expect(readFileSync(bin('@fapi-guard/core/dist/aws.d.ts'), 'utf8')).toMatch(/^import \{[^}]*\bGuardError\b[^}]*\} from '@fapi-guard\/core';$/m)
    expect(readFileSync(bin('@fapi-guard/core/dist/observability.d.ts'), 'utf8')).toMatch(/^import \{[^}]*\bDecisionEvent\b[^}]*\} from '@fapi-guard\/core';$/m)
  })

  it('an ESM TypeScript project (module: nodenext) typechecks and runs', () => {
    const esm = compile('esm')
    expect(run([join(esm, 'dist/main.js')], esm)).toContain(`esm ok on ${process.version}`)
  })

  it('a CommonJS TypeScript project typechecks, requires every package and runs', () => {
    const cjs = compile('cjs')
    expect(run([join(cjs, 'dist/main.cjs')], cjs)).toContain(`cjs ok on ${process.version}`)
  })

  it('the CommonJS project runs without require(esm) too (as Node before 20.19 / 22.12, and Jest)', () => {
    const cjs = compile('cjs')
    expect(run(['--no-experimental-require-module', join(cjs, 'dist/main.cjs'), '--without-require-esm'], cjs)).toContain('without require(esm)')
  })

  it('a Jest 30 project (CommonJS) tests a guarded Express route', () => {
    const jest = join(scratch.root, 'jest')
    const output = run([bin('jest/bin/jest.js'), '--ci', '--rootDir', jest], jest)
    expect(output).toMatch(/Tests:\s+2 passed, 2 total/)
  })
})
