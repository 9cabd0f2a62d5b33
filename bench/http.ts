/**
 * HTTP benchmarks: autocannon on loopback against servers each in its own child process, one fresh
 * server per run, configurations alternated (A B C A B C …), BENCH_RUNS runs each (default 3).
 * Run with `npm run bench:http` (`tsx bench/http.ts`).
 *
 * Same keys, same tokens, same JWKS for everyone: an ES256 key set served on 127.0.0.1 by this
 * process; fapi-guard, express-oauth2-jwt-bearer and jwks-rsa fetch it from there (once, then cache);
 * @fastify/jwt has no JWKS option and is given the same public key as PEM.
 *
 * Token modes:
 * - reuse: one access token on every request, as clients do until it expires;
 * - fresh: a new token on every request, from a pre-minted pool (autocannon setupRequest);
 * - dpop:  one DPoP-bound token and a fresh DPoP proof on every request (a pool minted for each run,
 *          for that server's URL; fapi-guard refuses a replayed proof, express-oauth2-jwt-bearer keeps no
 *          replay state).
 * Each run: start the server, check one request answers 200, warm up (BENCH_WARMUP s), measure
 * (BENCH_DURATION s), stop the server. The table gives medians over the runs of req/s, p99 latency,
 * and the server process's CPU time per request (user + system, all threads: a figure that does not
 * depend on whether the server or the load generator was the bottleneck).
 *
 * Environment: BENCH_RUNS (3), BENCH_DURATION (5), BENCH_WARMUP (1), BENCH_CONNECTIONS (20),
 * BENCH_GROUPS (comma-separated group ids; default all but the optional `express-adapter`),
 * BENCH_TOKEN_CACHE=off (fapi-guard servers without the verified-token cache, an experiment),
 * BENCH_OFFLOAD=true|false|auto (fapi-guard's `offloadSignatures`; default auto),
 * BENCH_ADAPTERS=dist (the built packages instead of their sources), BENCH_JSON (write results as JSON too),
 * BENCH_RATE (a fixed rate in requests per second for every server instead of as fast as each answers:
 * every configuration then does the same work per second, so their CPU per request compare at one
 * operating point, with no server saturated).
 *
 * Each group also measures, in this process while no server runs, the floor of the work a request of
 * its mode must do: one ES256 `crypto.verify` (fresh token), or one verify plus the SHA-256 hashes of
 * the token (`ath`) and of the proof key's thumbprint input (DPoP with the same token). A fapi-guard
 * server's CPU per request over its framework's ceiling is reported as a multiple of that floor.
 */
import { createHash, createPublicKey, verify } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ServerConfig } from './lib/configs.js'
import { median, probe, runLoad, startJwksServer, startServer, type LoadResult, type ServerSettings } from './lib/http-harness.js'
import { AUDIENCE, ISSUER, makeDPoPKey, makeKey, mintAccessToken, mintAccessTokens, mintProofs, publicPem } from './lib/fixtures.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
const TOKEN_POOL = Number(process.env.BENCH_TOKEN_POOL ?? 100_000)
const PROOF_POOL = Number(process.env.BENCH_PROOF_POOL ?? 80_000)
const RATE = process.env.BENCH_RATE === undefined ? undefined : Number(process.env.BENCH_RATE)

type Mode = 'reuse' | 'fresh' | 'dpop'
interface Group {
  readonly id: string
  readonly title: string
  readonly mode: Mode
  readonly configs: readonly ServerConfig[]
  /** Run only when named in BENCH_GROUPS. */
  readonly optional?: boolean
}

type Framework = 'express' | 'fastify' | 'koa' | 'hono'
const FRAMEWORK_TITLES: Record<Framework, string> = { express: 'Express', fastify: 'Fastify', koa: 'Koa', hono: 'Hono on @hono/node-server' }
const MODE_TITLES: Record<Mode, string> = {
  reuse: 'the same token reused',
  fresh: 'a fresh token per request',
  dpop: 'DPoP: the same token, a fresh proof per request',
}
/** The peers measured beside fapi-guard, by framework and mode (express-jwt and @fastify/jwt have no DPoP). */
const PEERS: Record<Framework, Partial<Record<Mode, readonly ServerConfig[]>>> = {
  express: { reuse: ['express-auth0', 'express-jwt'], fresh: ['express-auth0', 'express-jwt'], dpop: ['express-auth0'] },
  fastify: { reuse: ['fastify-jwt'], fresh: ['fastify-jwt'] },
  koa: {},
  hono: {},
}

/**
 * Every framework in every mode, as the group `<framework>-<mode>`.
 * Each has the no-auth ceiling and fapi-guard; fresh and DPoP groups the hand-written floor server too.
 */
const GROUPS: readonly Group[] = [
  ...(['express', 'fastify', 'koa', 'hono'] as const).flatMap((framework) =>
    (['reuse', 'fresh', 'dpop'] as const).map((mode): Group => ({
      id: `${framework}-${mode}`,
      title: `${FRAMEWORK_TITLES[framework]}, ${MODE_TITLES[mode]}`,
      mode,
      configs: [
        `${framework}-none`,
        ...(mode === 'reuse' ? [] : [`${framework}-floor`]),
        `${framework}-fapi`,
        ...(PEERS[framework][mode] ?? []),
      ] as ServerConfig[],
    })),
  ),
  ...(['express', 'fastify', 'koa', 'hono'] as const).flatMap((framework) =>
    (['fresh', 'dpop'] as const).map((mode): Group => ({
      id: `${framework}-${mode}-offload`,
      title: `${FRAMEWORK_TITLES[framework]}, ${MODE_TITLES[mode]}: offloadSignatures false, 'auto' and true`,
      mode,
      configs: [`${framework}-none`, `${framework}-floor`, `${framework}-fapi-sync`, `${framework}-fapi`, `${framework}-fapi-pool`] as ServerConfig[],
      optional: true,
    })),
  ),
  { id: 'express-adapter', title: 'Express: the cost of an async hop beside the guard, the same token reused', mode: 'reuse', configs: ['express-none', 'express-async', 'express-fapi'], optional: true },
]

const LABELS: Record<ServerConfig, string> = {
  'express-none': 'express, no auth (ceiling)',
  'express-floor': 'express + hand-written signature check (floor)',
  'fastify-floor': 'fastify + hand-written signature check (floor)',
  'koa-floor': 'koa + hand-written signature check (floor)',
  'hono-floor': 'hono + hand-written signature check (floor)',
  'express-fapi': 'express + @fapi-guard/express',
  'express-auth0': 'express + express-oauth2-jwt-bearer',
  'express-jwt': 'express + express-jwt/jwks-rsa',
  'fastify-none': 'fastify, no auth (ceiling)',
  'fastify-fapi': 'fastify + @fapi-guard/fastify',
  'fastify-jwt': 'fastify + @fastify/jwt',
  'koa-none': 'koa, no auth (ceiling)',
  'koa-fapi': 'koa + @fapi-guard/koa',
  'hono-none': 'hono (@hono/node-server), no auth (ceiling)',
  'hono-fapi': 'hono + @fapi-guard/hono',
  'express-async': 'express + an empty async middleware',
  ...(Object.fromEntries(
    (['express', 'fastify', 'koa', 'hono'] as const).flatMap((framework) => [
      [`${framework}-fapi-sync`, `${framework} + fapi-guard, offloadSignatures: false`],
      [`${framework}-fapi-pool`, `${framework} + fapi-guard, offloadSignatures: true`],
    ]),
  ) as Record<`${Framework}-fapi-${'sync' | 'pool'}`, string>),
}

/**
 * µs per call of the work a request of `mode` cannot avoid, on this process's thread, median of 7
 * batches of 1 000: verifying one ES256 JWS with a key imported beforehand, plus for DPoP the two
 * SHA-256 hashes the proof check needs (the token for `ath`, the key's thumbprint input). 0 for a
 * reused token (a verified-token cache leaves no signature to verify).
 */
function floorMicros(mode: Mode, jws: string, jwk: import('node:crypto').JsonWebKey, token: string): number {
  if (mode === 'reuse') return 0
  const key = { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' as const }
  const dot = jws.lastIndexOf('.')
  const data = Buffer.from(jws.slice(0, dot), 'latin1')
  const signature = Buffer.from(jws.slice(dot + 1), 'base64url')
  const thumbprintInput = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
  const batches: number[] = []
  for (let batch = 0; batch < 7; batch++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < 1000; i++) {
      if (!verify('sha256', data, key, signature)) throw new Error('the floor signature does not verify')
      if (mode === 'dpop') {
        createHash('sha256').update(token).digest('base64url')
        createHash('sha256').update(thumbprintInput).digest('base64url')
      }
    }
    batches.push(Number(process.hrtime.bigint() - started) / 1000 / 1000)
  }
  return median(batches)
}

interface RunRecord extends LoadResult {
  readonly wrapped: boolean
  readonly probe: number
  /** CPU time of the server process per request served, µs (user + system, kernel network work included). */
  readonly cpuPerRequest: number
}

async function main(): Promise<void> {
  const selected = process.env.BENCH_GROUPS?.split(',').map((item) => item.trim())
  const groups = GROUPS.filter((group) => (selected === undefined ? group.optional !== true : selected.includes(group.id)))
  const started = Date.now()
  const key = makeKey('ES256')
  const jwksServer = await startJwksServer({ keys: [key.jwk] })
  const settings: ServerSettings = { issuer: ISSUER, audience: AUDIENCE, jwksUri: jwksServer.uri, pem: publicPem(key) }
  const client = makeDPoPKey()
  const token = mintAccessToken(key)
  const dpopToken = mintAccessToken(key, { cnf: { jkt: client.jkt } })
  const needsPool = groups.some((group) => group.mode === 'fresh')
  const pool = needsPool ? mintAccessTokens(key, TOKEN_POOL) : []
  console.error(`fixtures ready in ${((Date.now() - started) / 1000).toFixed(1)} s; ${groups.length} group(s), ${RUNS} runs each, ${DURATION} s + ${WARMUP} s warm-up, ${CONNECTIONS} connections`)

  const records = new Map<string, RunRecord[]>()
  const floors = new Map<string, number>()
  const measureFloor = (group: Group) => {
    const proof = mintProofs(client, 1, 'GET', 'http://127.0.0.1/accounts', dpopToken)[0] as string
    const floor = group.mode === 'dpop' ? floorMicros('dpop', proof, client.jwk, dpopToken) : floorMicros(group.mode, token, key.jwk, token)
    return floor
  }
  for (const group of groups) {
    const floorBefore = measureFloor(group)
    for (let run = 1; run <= RUNS; run++) {
      // Alternate, and rotate the order each run so no configuration always goes first.
      const order = group.configs.map((_, i) => group.configs[(i + run - 1) % group.configs.length] as ServerConfig)
      for (const config of order) {
        const server = await startServer(config, settings)
        try {
          let nextHeaders: (() => Record<string, string>) | undefined
          let headers: Record<string, string> | undefined
          let wrapped = false
          if (group.mode === 'reuse') {
            headers = { authorization: `Bearer ${token}` }
          } else if (group.mode === 'fresh') {
            let at = 0
            nextHeaders = () => {
              if (at >= pool.length) {
                at = 0
                wrapped = true
              }
              return { authorization: `Bearer ${pool[at++] as string}` }
            }
          } else {
            const proofs = mintProofs(client, PROOF_POOL, 'GET', `http://127.0.0.1:${server.port}/accounts`, dpopToken)
            let at = 0
            const authorization = `DPoP ${dpopToken}`
            nextHeaders = () => {
              if (at >= proofs.length) {
                at = 0
                wrapped = true
              }
              return { authorization, dpop: proofs[at++] as string }
            }
          }
          const status = await probe(server.port, headers ?? (nextHeaders as () => Record<string, string>)())
          if (status !== 200) throw new Error(`${group.id} ${config}: the probe request answered ${status}`)
          const load = { port: server.port, connections: CONNECTIONS, ...(headers && { headers }), ...(nextHeaders && { nextHeaders }), ...(RATE !== undefined && { rate: RATE }) }
          if (WARMUP > 0) await runLoad({ ...load, durationSeconds: WARMUP })
          const cpuBefore = await server.cpu()
          const result = await runLoad({ ...load, durationSeconds: DURATION })
          const cpuPerRequest = (await server.cpu() - cpuBefore) / result.total
          const record: RunRecord = { ...result, wrapped, probe: status, cpuPerRequest }
          const id = `${group.id}/${config}`
          records.set(id, [...(records.get(id) ?? []), record])
          console.error(
            `${group.id.padEnd(14)} run ${run} ${config.padEnd(14)} ${result.rps.toFixed(0).padStart(6)} req/s  p99 ${String(result.p99).padStart(4)} ms  cpu ${cpuPerRequest.toFixed(0).padStart(4)} µs/req` +
              `${result.non2xx > 0 ? `  non-2xx ${result.non2xx}` : ''}${result.errors > 0 ? `  errors ${result.errors}` : ''}${wrapped && !config.endsWith('-none') ? '  POOL WRAPPED' : ''}`,
          )
        } finally {
          await server.stop()
        }
      }
    }
    floors.set(group.id, (floorBefore + measureFloor(group)) / 2)
  }
  await jwksServer.close()

  // ---- tables ----
  const rps = (group: string, config: ServerConfig) => median((records.get(`${group}/${config}`) ?? []).map((item) => item.rps))
  const p99 = (group: string, config: ServerConfig) => median((records.get(`${group}/${config}`) ?? []).map((item) => item.p99))
  const cpu = (group: string, config: ServerConfig) => median((records.get(`${group}/${config}`) ?? []).map((item) => item.cpuPerRequest))
  const lines: string[] = []
  lines.push(`fapi-guard HTTP benchmarks — Node ${process.version}, autocannon ${CONNECTIONS} connections${RATE === undefined ? '' : ` at ${RATE} req/s`}, ${RUNS} runs × ${DURATION} s (+${WARMUP} s warm-up), alternated`)
  const json: Record<string, unknown> = {}
  for (const group of groups) {
    const ceiling = group.configs.find((config) => config.endsWith('-none')) as ServerConfig
    lines.push('')
    lines.push(`### ${group.title}`)
    lines.push('')
    lines.push('| server | req/s (median) | p99 ms (median) | × ceiling | runs (req/s) | server CPU µs/req | CPU over ceiling µs | non-2xx |')
    lines.push('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |')
    for (const config of group.configs) {
      const list = records.get(`${group.id}/${config}`) ?? []
      const non2xx = list.reduce((sum, item) => sum + item.non2xx + item.errors, 0)
      // A wrapped pool only matters where tokens are checked (the no-auth ceiling ignores them).
      const wrapped = !config.endsWith('-none') && list.some((item) => item.wrapped)
      lines.push(
        `| ${LABELS[config]} | ${rps(group.id, config).toFixed(0)} | ${p99(group.id, config).toFixed(0)} | ${(rps(group.id, config) / rps(group.id, ceiling)).toFixed(2)} | ${list.map((item) => item.rps.toFixed(0)).join(', ')} | ${cpu(group.id, config).toFixed(0)} | ${config === ceiling ? '' : (cpu(group.id, config) - cpu(group.id, ceiling)).toFixed(0)} | ${non2xx}${wrapped ? ' (pool wrapped)' : ''} |`,
      )
      json[`${group.id}/${config}`] = { label: LABELS[config], rps: rps(group.id, config), p99: p99(group.id, config), cpuPerRequest: cpu(group.id, config), runs: list }
    }
    const floor = floors.get(group.id) as number
    const ours = group.configs.find((config) => config.endsWith('-fapi')) as ServerConfig | undefined
    if (ours !== undefined && floor > 0) {
      const over = cpu(group.id, ours) - cpu(group.id, ceiling)
      const work = group.mode === 'dpop' ? 'one ES256 verify + 2 SHA-256' : 'one ES256 verify'
      const floorServer = group.configs.find((config) => config.endsWith('-floor')) as ServerConfig
      const floorServerOver = cpu(group.id, floorServer) - cpu(group.id, ceiling)
      lines.push('')
      lines.push(
        `In-process floor (${work}, in a loop): ${floor.toFixed(1)} µs. ${LABELS[ours]}: CPU over the ceiling ${over.toFixed(0)} µs = ` +
          `${(over / floor).toFixed(2)}× the in-process floor (target ≤ 1.5); the hand-written floor server's ${floorServerOver.toFixed(0)} µs = ${(floorServerOver / floor).toFixed(2)}×; ` +
          `fapi-guard ÷ floor server ${(over / floorServerOver).toFixed(2)}×.`,
      )
      json[`${group.id}/floor`] = { work, micros: floor, overCeiling: over, ratio: over / floor, floorServerOverCeiling: floorServerOver }
    }
  }
  lines.push('')
  const target = (label: string, value: number, limit: number) => `${label}: ${Number.isFinite(value) ? value.toFixed(2) : 'n/a'} (target ≥ ${limit}) — ${value >= limit ? 'met' : 'MISSED'}`
  const has = (group: string) => groups.some((item) => item.id === group)
  const ratio = (group: string, config: ServerConfig, other: ServerConfig) => rps(group, config) / rps(group, other)
  // Issue 21's targets (the earlier series' same-token targets follow them, for comparison).
  if (has('express-dpop')) {
    lines.push(target('DPoP: express + fapi-guard ÷ express no-auth', ratio('express-dpop', 'express-fapi', 'express-none'), 0.65))
    lines.push(target('DPoP: express + fapi-guard ÷ express-oauth2-jwt-bearer with DPoP', ratio('express-dpop', 'express-fapi', 'express-auth0'), 2.5))
  }
  if (has('express-fresh')) lines.push(target('fresh token: express + fapi-guard ÷ express-oauth2-jwt-bearer', ratio('express-fresh', 'express-fapi', 'express-auth0'), 1.5))
  if (has('fastify-fresh')) lines.push(target('fresh token: fastify + fapi-guard ÷ @fastify/jwt', ratio('fastify-fresh', 'fastify-fapi', 'fastify-jwt'), 1.2))
  if (has('express-reuse')) {
    lines.push(target('same token: express + fapi-guard ÷ express no-auth', ratio('express-reuse', 'express-fapi', 'express-none'), 0.85))
    lines.push(`  (express-oauth2-jwt-bearer ÷ express no-auth: ${ratio('express-reuse', 'express-auth0', 'express-none').toFixed(2)}; express-jwt: ${ratio('express-reuse', 'express-jwt', 'express-none').toFixed(2)})`)
  }
  if (has('fastify-reuse')) lines.push(target('same token: fastify + fapi-guard ÷ @fastify/jwt', ratio('fastify-reuse', 'fastify-fapi', 'fastify-jwt'), 1.5))
  for (const framework of ['fastify', 'koa', 'hono'] as const) {
    if (has(`${framework}-dpop`)) lines.push(`DPoP: ${framework} + fapi-guard ÷ ${framework} no-auth: ${ratio(`${framework}-dpop`, `${framework}-fapi`, `${framework}-none`).toFixed(2)}`)
  }
  lines.push(`\nJWKS fetches served: ${jwksServer.hits()}; total time ${((Date.now() - started) / 1000).toFixed(0)} s`)
  console.log(lines.join('\n'))
  if (process.env.BENCH_JSON) {
    mkdirSync(dirname(process.env.BENCH_JSON), { recursive: true })
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, runs: RUNS, duration: DURATION, connections: CONNECTIONS, results: json }, null, 2))
  }
}

await main()
