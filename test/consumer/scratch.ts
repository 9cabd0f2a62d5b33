/**
 * The packages as a user gets them: `npm pack` of every workspace package, installed from the
 * tarballs into a scratch project under the OS temp folder, far from the repository's node_modules
 * (nothing resolves through the workspace). The install does not depend on the Node version, so one
 * install serves every Node major: it is kept under a name made of the tarballs' hash and reused
 * while the packages do not change.
 */
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PROJECTS = fileURLToPath(new URL('./projects/', import.meta.url))
export const PACKAGES = ['core', 'express', 'koa', 'fastify', 'nestjs', 'hono', 'mcp', 'redis', 'testing'] as const

/** Third-party packages the scratch projects use, pinned so that the install is reproducible. */
const TOOLS = {
  express: '5.3.0',
  typescript: '5.9.3',
  '@types/node': '20.19.43',
  '@types/express': '5.0.6',
  '@types/koa': '3.0.3',
  jest: '30.5.2',
}

export interface PackedPackage {
  name: string
  dir: string
  tarball: string
  files: string[]
}

export interface Scratch {
  root: string
  packed: PackedPackage[]
}

/**
 * The environment for npm and the scratch projects: without the `npm_*` variables of the `npm test`
 * that started us, which would point npm at the repository (its prefix, its workspace).
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(cache|userconfig|registry)$/i.test(key)) continue
    if (key === 'NODE_OPTIONS' || key === 'VITEST' || key.startsWith('VITEST_')) continue
    env[key] = value
  }
  return { ...env, NODE_ENV: 'test', ...extra }
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 })
}

/** Packs every package (their `dist` must be built: `npm run build`). */
export function packAll(destination: string): PackedPackage[] {
  for (const name of PACKAGES) {
    if (!existsSync(join(REPO_ROOT, 'packages', name, 'dist'))) {
      throw new Error(`packages/${name}/dist is missing: run \`npm run build\` first (npm test does)`)
    }
  }
  mkdirSync(destination, { recursive: true })
  const workspaces = PACKAGES.flatMap((name) => ['--workspace', `packages/${name}`])
  const out = npm(['pack', '--json', '--pack-destination', destination, ...workspaces], REPO_ROOT)
  const results = JSON.parse(out) as { name: string; filename: string; files: { path: string }[] }[]
  return results.map((result) => ({
    name: result.name,
    dir: result.name.replace('@fapi-guard/', ''),
    tarball: join(destination, result.filename),
    files: result.files.map((file) => file.path).sort(),
  }))
}

/** Packs, then installs the tarballs into a scratch project (or reuses the install of the same tarballs). */
export function prepareScratch(): Scratch {
  const base = join(tmpdir(), 'fapi-guard-consumers')
  const packDir = join(base, `pack-${process.pid}-${Date.now()}`)
  const packed = packAll(packDir)
  const hash = createHash('sha256')
  for (const pkg of packed) hash.update(pkg.name).update(readFileSync(pkg.tarball))
  hash.update(JSON.stringify(TOOLS))
  const key = hash.digest('hex').slice(0, 16)
  const root = join(base, key)

  if (!existsSync(join(root, '.installed'))) {
    const staging = `${root}.staging-${process.pid}`
    rmSync(staging, { recursive: true, force: true })
    mkdirSync(join(staging, 'tarballs'), { recursive: true })
    const dependencies: Record<string, string> = {}
    for (const pkg of packed) {
      const file = join(staging, 'tarballs', `${pkg.dir}.tgz`)
      cpSync(pkg.tarball, file)
      dependencies[pkg.name] = `file:tarballs/${pkg.dir}.tgz`
    }
    writeFileSync(
      join(staging, 'package.json'),
      `${JSON.stringify({ name: 'fapi-guard-consumers', private: true, dependencies: { ...dependencies, ...TOOLS } }, null, 2)}\n`,
    )
    // Peer dependencies (koa, fastify, @nestjs/*, reflect-metadata, rxjs) come in as npm 7+ installs them.
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], staging)
    writeFileSync(join(staging, '.installed'), new Date().toISOString())
    // Older installs are of packages that changed since.
    for (const entry of existsSync(base) ? readdirSync(base) : []) {
      if (!entry.startsWith(key) && !entry.startsWith('pack-')) rmSync(join(base, entry), { recursive: true, force: true })
    }
    rmSync(root, { recursive: true, force: true })
    renameSync(staging, root)
  }
  // The projects are copied fresh each time; their output folders go with them.
  for (const project of readdirSync(PROJECTS)) {
    rmSync(join(root, project), { recursive: true, force: true })
    cpSync(join(PROJECTS, project), join(root, project), { recursive: true })
  }
  return { root, packed }
}

/** Removes this run's pack folder. */
export function removePackDir(scratch: Scratch): void {
  const first = scratch.packed[0]
  if (first) rmSync(join(first.tarball, '..'), { recursive: true, force: true })
}
