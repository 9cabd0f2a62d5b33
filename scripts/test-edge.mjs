#!/usr/bin/env node
// `npm run test:edge` (and the last step of `npm test`): the Hono example's scenario under Bun, Deno and
// Cloudflare's workerd (through Miniflare), the runtimes pinned in tools/edge-runtimes (npm packages of
// their linux-x64 builds, installed on first use, install scripts off: the binaries are run directly).
// Tokens and proofs are minted on Node (examples/hono/dist/scenario.js, a local issuer whose public keys
// the guard gets inline); the API runs in the runtime: Bun.serve and Deno.serve on a loopback port,
// real HTTP; the Worker bundled with core's Web Crypto build and called through Miniflare's dispatchFetch.
// Each check counts as one test. Needs `npm run build` first (test:edge runs it).
//
// --report <file>: write { passed, failed, skipped, runtimes } as JSON there (scripts/test.mjs reads it).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tools = join(root, 'tools', 'edge-runtimes')
const example = join(root, 'examples', 'hono', 'dist')
const reportPath = process.argv.includes('--report') ? process.argv[process.argv.indexOf('--report') + 1] : undefined
const started = Date.now()
const START_TIMEOUT = 30_000

function report(result) {
  if (reportPath !== undefined) writeFileSync(reportPath, JSON.stringify(result))
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`Edge runtimes: not run on ${process.platform}-${process.arch} (tools/edge-runtimes pins the linux-x64 builds of Bun, Deno and workerd).`)
  report({ passed: 0, failed: 0, skipped: 0, runtimes: [], notRun: `${process.platform}-${process.arch}` })
  process.exit(0)
}
if (!existsSync(join(example, 'scenario.js'))) {
  console.error('examples/hono/dist is missing: run `npm run build` first (npm test and npm run test:edge do)')
  process.exit(1)
}

/** The runtimes of tools/edge-runtimes, installed with its lockfile when missing or stale. */
function installRuntimes() {
  const manifest = JSON.parse(readFileSync(join(tools, 'package.json'), 'utf8'))
  const wanted = Object.entries(manifest.devDependencies)
  const installed = ([name, version]) => {
    const pkg = join(tools, 'node_modules', name, 'package.json')
    return existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === version
  }
  if (!wanted.every(installed)) {
    console.log(`Installing ${wanted.map(([name, version]) => `${name} ${version}`).join(', ')} (tools/edge-runtimes)…`)
    // Install scripts off: they only place the binaries the platform packages already hold.
    const result = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, stdio: 'inherit' })
    if (result.status !== 0) throw new Error('could not install the edge runtimes (tools/edge-runtimes)')
  }
  const binaries = { bun: join(tools, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun'), deno: join(tools, 'node_modules', '@deno', 'linux-x64-glibc', 'deno') }
  for (const [name, path] of Object.entries(binaries)) if (!existsSync(path)) throw new Error(`the ${name} binary is missing at ${path}`)
  return binaries
}

/** Starts a server process that prints `{"origin": …}` once listening; it stops when its standard input closes. */
async function startProcess(command, args, env) {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  const lines = createInterface({ input: child.stdout })
  let timer
  try {
    const origin = await Promise.race([
      new Promise((resolve, reject) => {
        lines.once('line', (line) => { try { resolve(JSON.parse(line).origin) } catch { reject(new Error(`unexpected output: ${line}`)) } })
      }),
      exited.then((code) => { throw new Error(`exited (${code}) before listening`) }),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('did not start in time')), START_TIMEOUT) }),
    ])
    return { origin, stop: async () => { child.stdin.end(); const t = setTimeout(() => child.kill(), 5_000); await exited; clearTimeout(t) } }
  } catch (error) {
    child.kill()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

const { createScenarioIssuer, runScenario, formatChecks } = await import(pathToFileURL(join(example, 'scenario.js')).href)
const { runPeerAddressCheck, runCloudflareCertificateChecks } = await import(pathToFileURL(join(example, 'edge-checks.js')).href)
const scenario = await createScenarioIssuer({ proxy: { trusted: ['loopback'] } })
const env = { FAPI_GUARD_OPTIONS: JSON.stringify(scenario.guardOptions), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' }
const results = []

/** One runtime: its checks, or the error that kept it from running them (a failure, never a skip). */
async function runtime(name, run) {
  const t0 = Date.now()
  try {
    const checks = await run()
    console.log(formatChecks(name, checks))
    results.push({ name, checks: checks.length, failed: checks.filter((item) => !item.ok).length, ms: Date.now() - t0 })
  } catch (error) {
    console.error(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`)
    results.push({ name, checks: 1, failed: 1, ms: Date.now() - t0, error: String(error) })
  }
}

async function overHTTP(server) {
  const target = { origin: server.origin, send: (url, init) => fetch(url, { headers: init.headers }) }
  try {
    return [...(await runScenario(scenario, target)), await runPeerAddressCheck(scenario, target)]
  } finally {
    await server.stop()
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'fapi-guard-edge-'))
try {
  const binaries = installRuntimes()
  const version = (binary) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0]
  await runtime(`Bun ${version(binaries.bun)}`, async () => overHTTP(await startProcess(binaries.bun, [join(example, 'bun.js')], env)))
  await runtime(version(binaries.deno).replace(/^deno (\S+).*$/, 'Deno $1'), async () =>
    overHTTP(await startProcess(binaries.deno, ['run', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', join(example, 'deno.js')], env)),
  )
  const workerd = JSON.parse(readFileSync(join(tools, 'node_modules', 'workerd', 'package.json'), 'utf8')).version
  const miniflare = JSON.parse(readFileSync(join(tools, 'node_modules', 'miniflare', 'package.json'), 'utf8')).version
  await runtime(`workerd ${workerd} (Miniflare ${miniflare})`, async () => {
    // Bundled as Wrangler would: browser platform, workerd conditions, so core's Web Crypto build.
    const esbuild = await import(pathToFileURL(join(tools, 'node_modules', 'esbuild', 'lib', 'main.js')).href)
    const bundle = join(scratch, 'worker.mjs')
    await esbuild.build({ entryPoints: [join(example, 'worker.js')], bundle: true, format: 'esm', platform: 'browser', conditions: ['workerd', 'worker', 'browser'], outfile: bundle, logLevel: 'error' })
    const { Miniflare } = await import(pathToFileURL(join(tools, 'node_modules', 'miniflare', 'dist', 'src', 'index.js')).href)
    // `cf` always given: without it Miniflare fetches a default one from the network.
    const mf = new Miniflare({ modules: true, scriptPath: bundle, modulesRoot: scratch, compatibilityDate: '2025-07-01', bindings: { FAPI_GUARD_OPTIONS: env.FAPI_GUARD_OPTIONS }, cf: { colo: 'LOC' } })
    try {
      // dispatchFetch gives the Worker what Cloudflare's edge would: `request.cf`, and CF-Connecting-IP
      // (127.0.0.1 unless the request names one), which the adapter reads as the peer address.
      const target = { origin: 'https://api.example.test', send: (url, init) => mf.dispatchFetch(url, { headers: init.headers, ...(init.cf && { cf: init.cf }) }) }
      return [...(await runScenario(scenario, target)), await runPeerAddressCheck(scenario, target), ...(await runCloudflareCertificateChecks(scenario, target))]
    } finally {
      await mf.dispose()
    }
  })
} catch (error) {
  console.error(`FAIL edge runtimes: ${error instanceof Error ? error.message : String(error)}`)
  results.push({ name: 'install', checks: 1, failed: 1, ms: 0, error: String(error) })
} finally {
  rmSync(scratch, { recursive: true, force: true })
  await scenario.close()
}

const failed = results.reduce((sum, item) => sum + item.failed, 0)
const passed = results.reduce((sum, item) => sum + item.checks - item.failed, 0)
report({ passed, failed, skipped: 0, runtimes: results })
console.log(`edge: ${passed} passed, ${failed} failed (${results.map((item) => `${item.name} ${Math.round(item.ms / 100) / 10} s`).join(', ')}; ${Math.round((Date.now() - started) / 1000)} s)`)
process.exit(failed === 0 ? 0 : 1)
