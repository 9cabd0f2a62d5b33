#!/usr/bin/env node
// `npm test`: build, package checks (publint, arethetypeswrong) and typecheck once; then the whole
// vitest suite and the consumer tests on every supported Node major available here: the Node that
// runs this script, and Node 22, 24 and 26 from tools/node-versions (npm packages of the official
// linux-x64 builds, installed on first use; absent on other platforms); then, once, the Hono example
// under Bun, Deno and workerd (scripts/test-edge.mjs, tools/edge-runtimes). Ends with one summary line.
//
// FAPI_GUARD_TEST_NODES=current runs the suite on the current Node only.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tools = join(root, 'tools', 'node-versions')
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
const started = Date.now()

const seconds = (ms) => `${Math.round(ms / 1000)} s`
const major = (version) => Number(version.replace(/^v/, '').split('.')[0])

function step(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  return result.status ?? 1
}

function must(command, args) {
  const status = step(command, args)
  if (status !== 0) {
    console.error(`\n\`${command} ${args.join(' ')}\` failed (exit ${status})`)
    process.exit(status)
  }
}

/** The Node binaries of tools/node-versions, installed with its lockfile when missing or stale. */
function otherNodes() {
  if (process.env.FAPI_GUARD_TEST_NODES === 'current') return []
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(`\nOther Node majors: none on ${process.platform}-${process.arch} (tools/node-versions holds linux-x64 builds); testing ${process.version} only.`)
    return []
  }
  const manifest = JSON.parse(readFileSync(join(tools, 'package.json'), 'utf8'))
  const wanted = Object.entries(manifest.optionalDependencies).map(([alias, spec]) => ({ alias, version: spec.split('@').pop() }))
  const installed = ({ alias, version }) => {
    const pkg = join(tools, 'node_modules', alias, 'package.json')
    return existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === version
  }
  if (!wanted.every(installed)) {
    console.log(`\nInstalling ${wanted.map(({ version }) => `Node ${version}`).join(' and ')} (tools/node-versions)…`)
    const status = step('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools })
    if (status !== 0) {
      console.error('Could not install the other Node majors (tools/node-versions).')
      process.exit(status)
    }
  }
  return wanted
    .map(({ alias, version }) => ({ version: `v${version}`, bin: join(tools, 'node_modules', alias, 'bin', 'node') }))
    .filter((node) => major(node.version) !== major(process.version))
}

/** One vitest run under `node`; its counts from vitest's JSON report. */
function vitestRun(node, label, config, report) {
  const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]
  if (config) args.push('--config', config)
  console.log(`\n━━ ${label} on Node ${node.version} ━━`)
  const t0 = Date.now()
  // This Node first on PATH: tests that start `node` or `npm` get the same one.
  const env = { ...process.env, PATH: `${dirname(node.bin)}${delimiter}${process.env.PATH ?? ''}` }
  const status = step(node.bin, args, { env })
  const counts = { passed: 0, failed: 0, skipped: 0, files: 0, ok: status === 0, ms: Date.now() - t0 }
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'))
    counts.passed = json.numPassedTests
    counts.failed = json.numFailedTests
    counts.skipped = json.numPendingTests + json.numTodoTests
    counts.files = json.testResults.length
  }
  // vitest failed without a failed test (a file that did not load, an error outside tests): count it.
  if (!counts.ok && counts.failed === 0) counts.failed = 1
  return counts
}

must('npm', ['run', 'build', '--silent'])
must('npm', ['run', 'lint', '--silent'])
must('npm', ['run', 'typecheck', '--silent'])
const prepared = Date.now()

const nodes = [{ version: process.version, bin: process.execPath }, ...otherNodes()]
const reports = mkdtempSync(join(tmpdir(), 'fapi-guard-test-'))
const results = []
for (const node of nodes) {
  const suite = vitestRun(node, 'Test suite', undefined, join(reports, `suite-${node.version}.json`))
  const consumers = vitestRun(node, 'Consumer tests', 'vitest.consumer.config.ts', join(reports, `consumers-${node.version}.json`))
  results.push({ node, suite, consumers })
}

// The Hono example under Bun, Deno and workerd (scripts/test-edge.mjs): once, not per Node major.
console.log('\n━━ Edge runtimes (Bun, Deno, workerd) ━━')
const edgeStarted = Date.now()
const edgeReport = join(reports, 'edge.json')
const edgeStatus = step(process.execPath, [join(root, 'scripts', 'test-edge.mjs'), '--report', edgeReport])
const edge = existsSync(edgeReport) ? JSON.parse(readFileSync(edgeReport, 'utf8')) : { passed: 0, failed: 0, skipped: 0, runtimes: [] }
// The script failed without reporting a failed check (it did not get that far): count it.
edge.ok = edgeStatus === 0
if (!edge.ok && edge.failed === 0) edge.failed = 1
edge.ms = Date.now() - edgeStarted
rmSync(reports, { recursive: true, force: true })

let passed = 0
let failed = 0
let skipped = 0
console.log(`\n━━ Summary (build, lint and typecheck ${seconds(prepared - started)}) ━━`)
for (const { node, suite, consumers } of results) {
  for (const [label, counts] of [['suite', suite], ['consumers', consumers]]) {
    passed += counts.passed
    failed += counts.failed
    skipped += counts.skipped
    const verdict = counts.ok ? 'ok' : 'FAILED'
    console.log(`Node ${node.version} ${label.padEnd(9)} ${verdict.padEnd(6)} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${counts.files} files, ${seconds(counts.ms)})`)
  }
}
passed += edge.passed
failed += edge.failed
const runtimes = edge.notRun === undefined ? `${edge.runtimes.length} runtimes` : `not run on ${edge.notRun}`
console.log(`Edge runtimes   ${(edge.ok ? 'ok' : 'FAILED').padEnd(6)} ${edge.passed} passed, ${edge.failed} failed, 0 skipped (${runtimes}, ${seconds(edge.ms)})`)
const ok = edge.ok && results.every(({ suite, consumers }) => suite.ok && consumers.ok)
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped on Node ${nodes.map((node) => node.version).join(', ')} in ${seconds(Date.now() - started)}${ok ? '' : ' — FAILED'}`)
process.exit(ok ? 0 : 1)
