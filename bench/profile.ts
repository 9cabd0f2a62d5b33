/**
 * Where a server's time goes under load: one server of bench/http-server.ts, started with
 * `--cpu-prof`, loaded by autocannon as bench/http.ts loads it, and its main thread's profile broken
 * down by what the time was spent in. `npm run bench:profile -- <config> <mode>`, e.g.
 * `npm run bench:profile -- express-fapi dpop` (modes: reuse, fresh, dpop).
 *
 * Prints the share and µs per request of: the signature verifications (`crypto.verify`), hashing,
 * fapi-guard's own code (by file), the framework, Node's HTTP and stream internals, promise and
 * microtask machinery, garbage collection and the rest; then the functions with the most self time.
 * The profile covers the main thread only: with `offloadSignatures: 'auto'` or `true` the signatures
 * run on libuv's thread pool and do not appear in it (BENCH_OFFLOAD=false keeps them in view).
 *
 * Environment: BENCH_DURATION (5 s), BENCH_CONNECTIONS (20), BENCH_OFFLOAD, BENCH_TOP (25),
 * BENCH_RATE (a fixed rate in requests per second for the measured load; by default as fast as the
 * server answers, where the sampled main thread is also preempted by the load generator on a 2-core
 * machine), BENCH_PROFILE_DIR (where the .cpuprofile is kept; a temporary directory by default).
 * BENCH_ADAPTERS=dist profiles the built packages, as users run them (fapi-guard's files are named
 * by their path under src/ or dist/).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONFIGS, type ServerConfig } from './lib/configs.js'
import { probe, runLoad, startJwksServer, startServer, type ServerSettings } from './lib/http-harness.js'
import { AUDIENCE, ISSUER, makeDPoPKey, makeKey, mintAccessToken, mintAccessTokens, mintProofs, publicPem } from './lib/fixtures.js'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
const TOP = Number(process.env.BENCH_TOP ?? 25)
const RATE = process.env.BENCH_RATE === undefined ? undefined : Number(process.env.BENCH_RATE)

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
  readonly startTime: number
  readonly endTime: number
}

/** What a sample's own frame was doing, by where the function comes from. */
function categoryOf(frame: CallFrame): string {
  const { functionName: name, url } = frame
  if (name === '(garbage collector)') return 'garbage collection'
  if (name === '(idle)') return 'idle (waiting for I/O)'
  if (name === '(program)') return 'V8 and native, unattributed'
  if (url === '') {
    if (name === 'verify' || name === 'verifyOneShot') return 'signature verification (crypto.verify)'
    if (name === 'hash' || name === 'oneShotDigest' || name === 'digest' || name === 'update') return 'hashing'
    return `native: ${name || '(anonymous)'}`
  }
  // Sources are named by module; the built files are bundler chunks (chunk-<hash>.js) whose names say
  // nothing and change with every build, so the built core is one row (its functions are listed below).
  const core = /packages\/core\/src\/(.+)\.ts/.exec(url)
  if (core) return `fapi-guard core: ${core[1]}`
  if (/packages\/core\/dist\//.test(url)) return 'fapi-guard core (built)'
  const adapter = /packages\/(express|fastify|koa|hono)\/(?:src|dist)\//.exec(url)
  if (adapter) return `fapi-guard adapter: ${adapter[1]}`
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (module) return `dependency: ${module[1]}`
  if (url.startsWith('node:internal/crypto')) return 'node:crypto (JS side)'
  if (/^node:(internal\/)?(_?http|https|net|stream|internal\/streams|events|timers|internal\/timers)/.test(url)) return 'node: http, net, streams, events, timers'
  if (url.startsWith('node:internal/process/task_queues') || url.startsWith('node:internal/async_hooks')) return 'node: microtasks and async hooks'
  if (url.startsWith('node:')) return `node: ${url.slice(5).replace(/^internal\//, '')}`
  return url
}

/** Microseconds on the monotonic clock V8's profiler stamps its samples with (CLOCK_MONOTONIC, as `process.hrtime`). */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n)

/** Self time per node over the samples taken between `from` and `to` (the measured load only). */
function analyse(profile: Profile, requests: number, from: number, to: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  let at = profile.startTime
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    at += delta
    if (at >= from && at <= to) self.set(id, (self.get(id) ?? 0) + delta)
  })
  const total = [...self.values()].reduce((sum, value) => sum + value, 0)
  const categories = new Map<string, number>()
  const functions = new Map<string, number>()
  for (const [id, time] of self) {
    const frame = (byId.get(id) as ProfileNode).callFrame
    const category = categoryOf(frame)
    categories.set(category, (categories.get(category) ?? 0) + time)
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`
    const name = `${frame.functionName || '(anonymous)'}${where}`
    functions.set(name, (functions.get(name) ?? 0) + time)
  }
  const busy = total - (categories.get('idle (waiting for I/O)') ?? 0)
  const row = (label: string, time: number) =>
    `| ${label} | ${((100 * time) / total).toFixed(1)} % | ${(time / requests).toFixed(1)} |`
  const lines = [
    `main thread: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy; ${requests} requests; ${(busy / requests).toFixed(1)} µs busy per request`,
    '',
    '| where (self time) | share | µs per request |',
    '| --- | ---: | ---: |',
    ...[...categories].sort((a, b) => b[1] - a[1]).map(([label, time]) => row(label, time)),
    '',
    `| top ${TOP} functions (self time) | share | µs per request |`,
    '| --- | ---: | ---: |',
    ...[...functions].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([label, time]) => row(label.replace(/\|/g, '\\|'), time)),
  ]
  return lines
}

async function main(): Promise<void> {
  const config = process.argv[2] as ServerConfig
  const mode = process.argv[3] ?? 'reuse'
  if (!CONFIGS.includes(config) || !['reuse', 'fresh', 'dpop'].includes(mode)) {
    throw new Error(`usage: bench/profile.ts <${CONFIGS.join('|')}> <reuse|fresh|dpop>`)
  }
  const dir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'fapi-guard-profile-'))
  const key = makeKey('ES256')
  const jwksServer = await startJwksServer({ keys: [key.jwk] })
  const settings: ServerSettings = { issuer: ISSUER, audience: AUDIENCE, jwksUri: jwksServer.uri, pem: publicPem(key) }
  const server = await startServer(config, settings, { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
  let nextHeaders: () => Record<string, string>
  if (mode === 'reuse') {
    const token = mintAccessToken(key)
    nextHeaders = () => ({ authorization: `Bearer ${token}` })
  } else if (mode === 'fresh') {
    const pool = mintAccessTokens(key, 100_000)
    let at = 0
    nextHeaders = () => ({ authorization: `Bearer ${pool[at++ % pool.length] as string}` })
  } else {
    const client = makeDPoPKey()
    const token = mintAccessToken(key, { cnf: { jkt: client.jkt } })
    const proofs = mintProofs(client, 80_000, 'GET', `http://127.0.0.1:${server.port}/accounts`, token)
    let at = 0
    nextHeaders = () => ({ authorization: `DPoP ${token}`, dpop: proofs[at++ % proofs.length] as string })
  }
  const status = await probe(server.port, nextHeaders())
  if (status !== 200) throw new Error(`${config} ${mode}: the probe request answered ${status}`)
  await runLoad({ port: server.port, connections: CONNECTIONS, durationSeconds: 1, nextHeaders })
  const from = monotonicMicros()
  const result = await runLoad({ port: server.port, connections: CONNECTIONS, durationSeconds: DURATION, nextHeaders, ...(RATE !== undefined && { rate: RATE }) })
  const to = monotonicMicros()
  await server.stop()
  await jwksServer.close()
  // CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile: thread 0 is the main thread (the module
  // hooks' loader thread writes a profile of its own).
  const file = readdirSync(dir).filter((name) => name.startsWith('CPU.') && name.includes(`.${server.child.pid}.0.`)).at(0)
  if (file === undefined) throw new Error(`no profile was written to ${dir}`)
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  const requests = result.total
  console.log(`${config}, ${mode}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${result.non2xx} non-2xx; Node ${process.version}; offloadSignatures ${process.env.BENCH_OFFLOAD ?? 'auto'}; profile ${join(dir, file)}`)
  console.log(analyse(profile, requests, from, to).join('\n'))
}

await main()
