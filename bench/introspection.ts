/**
 * Introspection benchmark, one process, one run, against a local loopback authorization server
 * (`createLocalIssuer`, plain HTTP on 127.0.0.1). Run with `npx tsx bench/introspection.ts`.
 *
 * 1. Latency of `guard.verify` (Node build) for an introspected opaque token: cache hit, and for
 *    context a cache miss (one loopback round trip) and a locally verified JWT.
 * 2. Introspection calls made by 1 000 requests over 10 tokens, with the cache and with `cache: false`,
 *    sequential and concurrent (concurrent requests for one token share one call even without a cache).
 */
import { createGuard } from '../packages/core/src/node/index.js'
import type { GuardOptions, RequestLike } from '../packages/core/src/node/index.js'
import { createLocalIssuer, type LocalIssuer } from '../packages/testing/src/index.js'

const CLIENT = { clientId: 'bench-rs', clientSecret: 'bench-secret-0123456789' }

function request(token: string): RequestLike {
  return { method: 'GET', url: 'https://api.example.test/accounts', headers: { authorization: `Bearer ${token}` } }
}

function guardOptions(issuer: LocalIssuer, cache: false | { ttl: number }): GuardOptions {
  return {
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: issuer.audience,
    profile: 'oauth2',
    introspection: { ...CLIENT, endpoint: issuer.introspectionEndpoint, cache },
  }
}

interface Latency {
  readonly n: number
  readonly mean: number
  readonly p50: number
  readonly p99: number
}

/** Per-call latency in µs of `run`, after `warmup` untimed calls. */
async function measure(run: () => Promise<unknown>, n: number, warmup: number): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await run()
  const samples = new Float64Array(n)
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await run()
    samples[i] = (performance.now() - t0) * 1000
  }
  const total = (performance.now() - start) * 1000
  samples.sort()
  const at = (q: number) => samples[Math.min(n - 1, Math.floor(q * n))] as number
  return { n, mean: total / n, p50: at(0.5), p99: at(0.99) }
}

/** Introspection calls and wall time of 1 000 requests over 10 tokens. */
async function run1000(issuer: LocalIssuer, tokens: readonly string[], cache: false | { ttl: number }, concurrent: boolean) {
  const guard = createGuard(guardOptions(issuer, cache))
  const before = issuer.introspections.length
  const start = performance.now()
  const requests = Array.from({ length: 1000 }, (_, i) => request(tokens[i % tokens.length] as string))
  if (concurrent) {
    // Waves of 100 concurrent requests (10 per token), one wave after the other.
    for (let wave = 0; wave < 10; wave++) await Promise.all(requests.slice(wave * 100, wave * 100 + 100).map((item) => guard.verify(item)))
  } else {
    for (const item of requests) await guard.verify(item)
  }
  return { calls: issuer.introspections.length - before, ms: performance.now() - start }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

async function main(): Promise<void> {
  const issuer = await createLocalIssuer({ introspectionClient: CLIENT })
  try {
    const opaque = issuer.issueOpaque({ scope: 'accounts:read', exp: Math.floor(Date.now() / 1000) + 3600 })
    const jwt = await issuer.mint({ scope: 'accounts:read' }, { expiresIn: 3600 })

    const cached = createGuard(guardOptions(issuer, { ttl: 600 }))
    const uncached = createGuard(guardOptions(issuer, false))
    const hitRequest = request(opaque)
    const jwtRequest = request(jwt)

    const hit = await measure(() => cached.verify(hitRequest), 50_000, 5_000)
    const miss = await measure(() => uncached.verify(hitRequest), 2_000, 200)
    const local = await measure(() => cached.verify(jwtRequest), 20_000, 2_000)

    const tokens = Array.from({ length: 10 }, () => issuer.issueOpaque({ scope: 'accounts:read', exp: Math.floor(Date.now() / 1000) + 3600 }))
    const runs = [
      { label: 'sequential, cache { ttl: 60 }', ...(await run1000(issuer, tokens, { ttl: 60 }, false)) },
      { label: 'sequential, cache: false', ...(await run1000(issuer, tokens, false, false)) },
      { label: '10 waves of 100 concurrent, cache { ttl: 60 }', ...(await run1000(issuer, tokens, { ttl: 60 }, true)) },
      { label: '10 waves of 100 concurrent, cache: false', ...(await run1000(issuer, tokens, false, true)) },
    ]

    const fmt = (value: number) => value.toFixed(1).padStart(9)
    console.log(`\nfapi-guard introspection benchmark — Node ${process.version}, ${process.platform}/${process.arch}, loopback AS ${issuer.issuer}\n`)
    console.log('guard.verify latency, Node build, Bearer token (µs per request)')
    console.log(`${pad('case', 52)}${'n'.padStart(7)}${'mean'.padStart(9)}${'p50'.padStart(9)}${'p99'.padStart(9)}`)
    for (const [label, result] of [
      ['opaque token, introspection cache hit', hit],
      ['opaque token, cache: false (one loopback call each)', miss],
      ['JWT access token, local verify (ES256), for context', local],
    ] as const) {
      console.log(`${pad(label, 52)}${String(result.n).padStart(7)}${fmt(result.mean)}${fmt(result.p50)}${fmt(result.p99)}`)
    }
    console.log('\nintrospection calls for 1 000 requests over 10 opaque tokens')
    console.log(`${pad('run', 52)}${'calls'.padStart(7)}${'wall ms'.padStart(10)}`)
    for (const item of runs) console.log(`${pad(item.label, 52)}${String(item.calls).padStart(7)}${item.ms.toFixed(0).padStart(10)}`)
    console.log('')
  } finally {
    await issuer.close()
  }
}

await main()
