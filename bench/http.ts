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
 * BENCH_ADAPTERS=dist (the built packages instead of their sources), BENCH_JSON (write results as JSON too).
 */
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
const PROOF_POOL = Number(process.env.BENCH_PROOF_POOL ?? 50_000)

type Mode = 'reuse' | 'fresh' | 'dpop'
interface Group {
  readonly id: string
  readonly title: string
  readonly mode: Mode
  readonly configs: readonly ServerConfig[]
  /** Run only when named in BENCH_GROUPS. */
  readonly optional?: boolean
}

const GROUPS: readonly Group[] = [
  { id: 'express-reuse', title: 'Express, the same token reused', mode: 'reuse', configs: ['express-none', 'express-fapi', 'express-auth0', 'express-jwt'] },
  { id: 'fastify-reuse', title: 'Fastify, the same token reused', mode: 'reuse', configs: ['fastify-none', 'fastify-fapi', 'fastify-jwt'] },
  { id: 'koa-reuse', title: 'Koa, the same token reused', mode: 'reuse', configs: ['koa-none', 'koa-fapi'] },
  { id: 'express-fresh', title: 'Express, a fresh token per request', mode: 'fresh', configs: ['express-none', 'express-fapi', 'express-auth0', 'express-jwt'] },
  { id: 'fastify-fresh', title: 'Fastify, a fresh token per request', mode: 'fresh', configs: ['fastify-none', 'fastify-fapi', 'fastify-jwt'] },
  { id: 'koa-fresh', title: 'Koa, a fresh token per request', mode: 'fresh', configs: ['koa-none', 'koa-fapi'] },
  { id: 'express-adapter', title: 'Express: the cost of an async hop beside the guard, the same token reused', mode: 'reuse', configs: ['express-none', 'express-async', 'express-fapi'], optional: true },
  { id: 'dpop', title: 'Express, DPoP: the same token, a fresh proof per request', mode: 'dpop', configs: ['express-none', 'express-fapi', 'express-auth0'] },
  { id: 'hono-dpop', title: 'Hono on @hono/node-server, DPoP: the same token, a fresh proof per request', mode: 'dpop', configs: ['hono-none', 'hono-fapi'] },
]

const LABELS: Record<ServerConfig, string> = {
  'express-none': 'express, no auth (ceiling)',
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
  for (const group of groups) {
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
          if (WARMUP > 0) await runLoad({ port: server.port, connections: CONNECTIONS, durationSeconds: WARMUP, ...(headers && { headers }), ...(nextHeaders && { nextHeaders }) })
          const cpuBefore = await server.cpu()
          const result = await runLoad({ port: server.port, connections: CONNECTIONS, durationSeconds: DURATION, ...(headers && { headers }), ...(nextHeaders && { nextHeaders }) })
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
  }
  await jwksServer.close()

  // ---- tables ----
  const rps = (group: string, config: ServerConfig) => median((records.get(`${group}/${config}`) ?? []).map((item) => item.rps))
  const p99 = (group: string, config: ServerConfig) => median((records.get(`${group}/${config}`) ?? []).map((item) => item.p99))
  const cpu = (group: string, config: ServerConfig) => median((records.get(`${group}/${config}`) ?? []).map((item) => item.cpuPerRequest))
  const lines: string[] = []
  lines.push(`fapi-guard HTTP benchmarks — Node ${process.version}, autocannon ${CONNECTIONS} connections, ${RUNS} runs × ${DURATION} s (+${WARMUP} s warm-up), alternated`)
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
  }
  lines.push('')
  const target = (label: string, value: number, limit: number) => `${label}: ${Number.isFinite(value) ? value.toFixed(2) : 'n/a'} (target ≥ ${limit}) — ${value >= limit ? 'met' : 'MISSED'}`
  const has = (group: string) => groups.some((item) => item.id === group)
  if (has('express-reuse')) {
    lines.push(target('same token: express + fapi-guard ÷ express no-auth', rps('express-reuse', 'express-fapi') / rps('express-reuse', 'express-none'), 0.85))
    lines.push(`  (express-oauth2-jwt-bearer ÷ express no-auth: ${(rps('express-reuse', 'express-auth0') / rps('express-reuse', 'express-none')).toFixed(2)}; express-jwt: ${(rps('express-reuse', 'express-jwt') / rps('express-reuse', 'express-none')).toFixed(2)})`)
  }
  if (has('fastify-reuse')) lines.push(target('same token: fastify + fapi-guard ÷ @fastify/jwt', rps('fastify-reuse', 'fastify-fapi') / rps('fastify-reuse', 'fastify-jwt'), 1.5))
  if (has('express-fresh')) lines.push(target('fresh token: express + fapi-guard ÷ express-oauth2-jwt-bearer', rps('express-fresh', 'express-fapi') / rps('express-fresh', 'express-auth0'), 1.5))
  if (has('fastify-fresh')) lines.push(`fresh token: fastify + fapi-guard ÷ @fastify/jwt: ${(rps('fastify-fresh', 'fastify-fapi') / rps('fastify-fresh', 'fastify-jwt')).toFixed(2)}`)
  if (has('hono-dpop')) lines.push(`DPoP: hono + fapi-guard ÷ hono no-auth: ${(rps('hono-dpop', 'hono-fapi') / rps('hono-dpop', 'hono-none')).toFixed(2)}`)
  if (has('dpop')) lines.push(target('DPoP: express + fapi-guard ÷ express-oauth2-jwt-bearer with DPoP', rps('dpop', 'express-fapi') / rps('dpop', 'express-auth0'), 2))
  lines.push(`\nJWKS fetches served: ${jwksServer.hits()}; total time ${((Date.now() - started) / 1000).toFixed(0)} s`)
  console.log(lines.join('\n'))
  if (process.env.BENCH_JSON) {
    mkdirSync(dirname(process.env.BENCH_JSON), { recursive: true })
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, runs: RUNS, duration: DURATION, connections: CONNECTIONS, results: json }, null, 2))
  }
}

await main()
