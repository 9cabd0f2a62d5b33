/**
 * Memory benchmarks. Run with `npm run bench:memory`
 * (`node --expose-gc --import tsx bench/memory.ts`).
 *
 * 1. Bytes per live entry of the in-memory replay store (`createMemoryReplayStore`, core sources) at
 *    1 M live entries, keys made exactly as the DPoP check makes them (base64url SHA-256 of
 *    `jkt:jti`). Each variant runs in its own child process: full GC, memory before, the store and
 *    its entries, full GC, memory after; (after − before) ÷ entries, counting the V8 heap and the
 *    ArrayBuffers lru-cache keeps its typed arrays in (heapUsed alone would leave those out).
 *    Besides the store as it is, one other keying is measured for comparison: the same SHA-256 as 32
 *    raw bytes in a latin1 string instead of 43 base64url characters.
 * 2. The heap of the express + @fapi-guard/express server after 60 s under load (BENCH_SOAK seconds):
 *    a fresh token on every request (every one verified and put in the verified-token cache), then
 *    60 s of DPoP requests with a fresh proof each (every proof goes into the replay store). The
 *    server reports `process.memoryUsage()` after a full GC before, between and after.
 *
 * Environment: BENCH_ENTRIES (1 000 000), BENCH_SOAK (60), BENCH_CONNECTIONS (20), BENCH_PARTS
 * (`store,soak`), BENCH_JSON (write results as JSON too).
 */
import { fork } from 'node:child_process'
import { createHash, randomUUID, type BinaryToTextEncoding } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createMemoryReplayStore } from '../packages/core/src/replay/memory-replay-store.js'
import { nodeCryptoBackend } from '../packages/core/src/node/node-crypto-backend.js'
import { probe, runLoad, startJwksServer, startServer } from './lib/http-harness.js'
import { AUDIENCE, ISSUER, makeDPoPKey, makeKey, mintAccessToken, mintProof, publicPem } from './lib/fixtures.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000)
const SOAK = Number(process.env.BENCH_SOAK ?? 60)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
const PARTS = (process.env.BENCH_PARTS ?? 'store,soak').split(',')
const CAPACITY = 1_100_000
const MB = 1024 * 1024

type Variant = 'core' | 'latin1-bytes'
const VARIANTS: Record<Variant, string> = {
  core: 'as the DPoP check keys it (`backend.sha256Base64url`, 43 characters)',
  'latin1-bytes': "same SHA-256, keyed by digest('latin1') (32 chars)",
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect === undefined) throw new Error('run with node --expose-gc')
  collect()
  collect()
}

/** Child: one variant of the replay store at ENTRIES live entries. */
async function storeChild(variant: Variant): Promise<void> {
  const jkt = createHash('sha256').update('bench').digest('base64url')
  const keyOf = (jti: string): string => {
    const input = `${jkt}:${jti}`
    if (variant === 'core') return nodeCryptoBackend.sha256Base64url(input) as string
    return createHash('sha256').update(input).digest('latin1' as BinaryToTextEncoding)
  }
  gc()
  const before = process.memoryUsage()
  const store = createMemoryReplayStore({ capacity: CAPACITY })
  const expiresAt = Date.now() + 3_600_000
  const started = performance.now()
  for (let i = 0; i < ENTRIES; i++) {
    if (!(await store.useOnce(keyOf(randomUUID()), expiresAt))) throw new Error('duplicate key')
  }
  const insertMicros = ((performance.now() - started) * 1000) / ENTRIES
  gc()
  const after = process.memoryUsage()
  // Still live: every key must still be refused (and the store must not be collected before `after`).
  if (await store.useOnce(keyOf('probe'), expiresAt) !== true) throw new Error('probe')
  const heap = after.heapUsed - before.heapUsed
  const buffers = after.arrayBuffers - before.arrayBuffers
  process.send?.({ variant, entries: ENTRIES, heapPerEntry: heap / ENTRIES, buffersPerEntry: buffers / ENTRIES, totalPerEntry: (heap + buffers) / ENTRIES, rssMB: after.rss / MB, insertMicros })
}

interface StoreResult {
  variant: Variant
  entries: number
  heapPerEntry: number
  buffersPerEntry: number
  totalPerEntry: number
  rssMB: number
  insertMicros: number
}

function runStoreChild(variant: Variant): Promise<StoreResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--store-child', variant], {
      execArgv: ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let result: StoreResult | undefined
    child.on('message', (message: StoreResult) => {
      result = message
    })
    child.on('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`store child ${variant} exited with ${code}`))))
  })
}

async function soak(): Promise<string[]> {
  const key = makeKey('ES256')
  const jwks = await startJwksServer({ keys: [key.jwk] })
  const client = makeDPoPKey()
  const server = await startServer('express-fapi', { issuer: ISSUER, audience: AUDIENCE, jwksUri: jwks.uri, pem: publicPem(key) }, { exposeGc: true })
  const lines: string[] = []
  try {
    const dpopToken = mintAccessToken(key, { cnf: { jkt: client.jkt } })
    if ((await probe(server.port, { authorization: `Bearer ${mintAccessToken(key)}` })) !== 200) throw new Error('probe failed')
    const htu = `http://127.0.0.1:${server.port}/accounts`
    const start = await server.memory()
    // Tokens and proofs are made on the fly by the load generator (node:crypto, ~40 µs each), so a
    // 60 s run needs no pool; the server, not the generator, is the bottleneck.
    const bearer = await runLoad({ port: server.port, connections: CONNECTIONS, durationSeconds: SOAK, nextHeaders: () => ({ authorization: `Bearer ${mintAccessToken(key)}` }) })
    const afterBearer = await server.memory()
    const authorization = `DPoP ${dpopToken}`
    const dpop = await runLoad({ port: server.port, connections: CONNECTIONS, durationSeconds: SOAK, nextHeaders: () => ({ authorization, dpop: mintProof(client, 'GET', htu, dpopToken) }) })
    const afterDPoP = await server.memory()
    const row = (label: string, usage: NodeJS.MemoryUsage, load?: { total: number; rps: number; non2xx: number }) =>
      `| ${label} | ${(usage.heapUsed / MB).toFixed(1)} | ${(usage.heapTotal / MB).toFixed(1)} | ${(usage.arrayBuffers / MB).toFixed(1)} | ${(usage.rss / MB).toFixed(1)} | ${load === undefined ? '' : `${load.total} requests, ${load.rps.toFixed(0)} req/s, ${load.non2xx} non-2xx`} |`
    lines.push(`### Heap of express + @fapi-guard/express under load (after a full GC; ${SOAK} s per phase, ${CONNECTIONS} connections)`)
    lines.push('')
    lines.push('| when | heapUsed MB | heapTotal MB | arrayBuffers MB | rss MB | load |')
    lines.push('| --- | ---: | ---: | ---: | ---: | --- |')
    lines.push(row('started, one request served', start))
    lines.push(row(`after ${SOAK} s, a fresh Bearer token per request`, afterBearer, bearer))
    lines.push(row(`after ${SOAK} s more, DPoP with a fresh proof per request`, afterDPoP, dpop))
    lines.push('')
    if (dpop.non2xx > 0) {
      lines.push(`${dpop.non2xx} DPoP requests were refused: the default replay store holds 100 000 live proofs (each for proofMaxAge 300 s + 5 s tolerance), so above ~328 fresh proofs/s it fills and answers 503 until entries expire (RFC 9449 §11.1: it never evicts a live one).`)
    }
    soakJson = { start, afterBearer, bearer, afterDPoP, dpop }
  } finally {
    await server.stop()
    await jwks.close()
  }
  return lines
}

let soakJson: unknown

async function main(): Promise<void> {
  const lines: string[] = [`fapi-guard memory benchmarks — Node ${process.version}`, '']
  const storeResults: StoreResult[] = []
  if (PARTS.includes('store')) {
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      const result = await runStoreChild(variant)
      storeResults.push(result)
      console.error(`store ${variant}: ${result.totalPerEntry.toFixed(1)} bytes/entry`)
    }
    lines.push(`### In-memory replay store at ${ENTRIES.toLocaleString('en')} live entries (capacity ${CAPACITY.toLocaleString('en')})`)
    lines.push('')
    lines.push('| keys | heap B/entry | ArrayBuffer B/entry | total B/entry | target ≤ 200 | insert µs | rss MB |')
    lines.push('| --- | ---: | ---: | ---: | --- | ---: | ---: |')
    for (const result of storeResults) {
      lines.push(
        `| ${VARIANTS[result.variant]} | ${result.heapPerEntry.toFixed(1)} | ${result.buffersPerEntry.toFixed(1)} | ${result.totalPerEntry.toFixed(1)} | ${result.totalPerEntry <= 200 ? 'met' : 'MISSED'} | ${result.insertMicros.toFixed(2)} | ${result.rssMB.toFixed(0)} |`,
      )
    }
    lines.push('')
  }
  if (PARTS.includes('soak')) lines.push(...(await soak()))
  console.log(lines.join('\n'))
  if (process.env.BENCH_JSON) {
    mkdirSync(dirname(process.env.BENCH_JSON), { recursive: true })
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, store: storeResults, soak: soakJson }, null, 2))
  }
}

const childAt = process.argv.indexOf('--store-child')
if (childAt !== -1) await storeChild(process.argv[childAt + 1] as Variant)
else await main()
