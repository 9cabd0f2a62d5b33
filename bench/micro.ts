/**
 * Micro benchmarks, one process, one run: fapi-guard core beside the node:crypto floor, jose 6, and
 * (for DPoP) a hand-written node:crypto check. Run with `npm run bench` (`tsx bench/micro.ts`).
 *
 * Every figure is per call, in microseconds: the median (p50) and the p99 of tinybench's samples,
 * after a warm-up. The whole suite runs BENCH_ROUNDS times (default 5) one round after the other, the
 * tasks in a different order each round;
 * the table gives the median over rounds of each task's p50 and p99, and each ratio is taken between
 * two tasks of this same process (this task's p50 ÷ its reference's p50).
 *
 * - "first sight": a new token every call, from a pre-minted pool; the guard (and with it its
 *   verified-token cache and replay store) is created afresh for warm-up and for the measured run,
 *   and the pool is larger than either, so no token is ever seen twice by one guard.
 * - "repeat": the same token every call, as a client reuses it until it expires.
 * - DPoP: a fresh proof every call (the replay store refuses reuse), with the same token (repeat)
 *   or with a fresh token bound to the same key (first sight).
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_QUICK=1 (short runs, for checking the script),
 * BENCH_JSON=path (also write the results as JSON).
 */
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject, constants } from 'node:crypto'
import { createRequire } from 'node:module'
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Bench, type Fn, type FnOptions, type Task } from 'tinybench'
import { EmbeddedJWK, calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JWK } from 'jose'
import { createGuard as createNodeGuard, type Guard, type GuardOptions, type RequestLike } from '../packages/core/src/node/index.js'
import { createGuard as createWebGuard } from '../packages/core/src/index.js'
import { createLocalIssuer, createTestCertificate } from '../packages/testing/src/index.js'
import {
  ALGS,
  AUDIENCE,
  ISSUER,
  accessTokenHash,
  makeDPoPKey,
  makeKeys,
  mintAccessToken,
  mintAccessTokens,
  mintProof,
  mintProofs,
  type Alg,
} from './lib/fixtures.js'

const QUICK = process.env.BENCH_QUICK === '1'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5))
/** Iterations of first-sight tasks (measured run; warm-up is a fifth of it). Pools hold this many tokens. */
const FIRST_SIGHT = QUICK ? 400 : 2500
/** Time budget of the other tasks, ms. */
const TIME = QUICK ? 150 : 600
const URL_ = 'https://api.bench.test/accounts'
const METHOD = 'GET'

// jose 4, as express-oauth2-jwt-bearer uses it (node:crypto KeyObjects underneath), for context.
const requireFromAuth0 = createRequire(createRequire(import.meta.url).resolve('express-oauth2-jwt-bearer'))
const jose4 = requireFromAuth0('jose') as typeof import('jose')

interface Stats {
  p50: number[]
  p99: number[]
  samples: number[]
}

const results = new Map<string, Stats>()

function record(task: Task): void {
  const result = task.result as { state?: string; error?: unknown; latency?: { p50?: number; p99?: number; samplesCount?: number } } | undefined
  if (result === undefined || result.latency === undefined) {
    console.error(`task "${task.name}" has no result`, result?.error ?? result)
    return
  }
  const stats = results.get(task.name) ?? { p50: [], p99: [], samples: [] }
  stats.p50.push((result.latency.p50 ?? Number.NaN) * 1000)
  stats.p99.push((result.latency.p99 ?? Number.NaN) * 1000)
  stats.samples.push(result.latency.samplesCount ?? 0)
  results.set(task.name, stats)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Tasks added in a different order every round (rotated, and reversed every other round), so that a
 * drift in machine load during a round does not always favour the same side of a comparison.
 */
function shuffled(bench: Bench, round: number) {
  const specs: Array<[string, Fn, FnOptions | undefined]> = []
  const deck = {
    add(name: string, fn: Fn, options?: FnOptions) {
      specs.push([name, fn, options])
      return deck
    },
    async run() {
      const shift = (round * 7) % specs.length
      const order = specs.map((_, i) => specs[(i + shift) % specs.length] as [string, Fn, FnOptions | undefined])
      if (round % 2 === 1) order.reverse()
      for (const [name, fn, options] of order) bench.add(name, fn, options)
      return bench.run()
    },
  }
  return deck
}

/** A cursor over a pool that refuses to wrap (a wrapped first-sight pool would measure cache hits). */
function cursor<T>(pool: readonly T[], name: string): { next(): T; reset(): void } {
  let at = 0
  return {
    next() {
      if (at >= pool.length) throw new Error(`${name}: pool of ${pool.length} exhausted`)
      return pool[at++] as T
    },
    reset() {
      at = 0
    },
  }
}

function bearer(token: string): RequestLike {
  return { method: METHOD, url: URL_, headers: { authorization: `Bearer ${token}` } }
}

function dpopRequest(token: string, proof: string): RequestLike {
  return { method: METHOD, url: URL_, headers: { authorization: `DPoP ${token}`, dpop: proof } }
}

async function main(): Promise<void> {
  const started = Date.now()
  const keys = makeKeys()
  const jwks = { keys: ALGS.map((alg) => keys[alg].jwk) } as unknown as { keys: JWK[] }
  const localJwks = createLocalJWKSet(jwks)
  const localJwks4 = jose4.createLocalJWKSet(jwks as never)
  const keyObjects = Object.fromEntries(ALGS.map((alg) => [alg, keys[alg].publicKey])) as Record<Alg, KeyObject>
  const client = makeDPoPKey()
  const certificate = createTestCertificate('bench-client')

  const bearerOptions: GuardOptions = { issuer: ISSUER, audience: AUDIENCE, jwks, profile: 'oauth2' }
  const fapiOptions: GuardOptions = { issuer: ISSUER, audience: AUDIENCE, jwks }

  // Pools: a new token every call (first sight); one token for repeats.
  const pools = Object.fromEntries(ALGS.map((alg) => [alg, mintAccessTokens(keys[alg], FIRST_SIGHT)])) as Record<Alg, string[]>
  const repeat = Object.fromEntries(ALGS.map((alg) => [alg, mintAccessToken(keys[alg])])) as Record<Alg, string>
  const warmToken = Object.fromEntries(ALGS.map((alg) => [alg, mintAccessToken(keys[alg])])) as Record<Alg, string>
  const dpopToken = mintAccessToken(keys.ES256, { cnf: { jkt: client.jkt } })
  const dpopTokens = mintAccessTokens(keys.ES256, FIRST_SIGHT, { cnf: { jkt: client.jkt } })
  const mtlsToken = mintAccessToken(keys.ES256, { cnf: { 'x5t#S256': certificate.thumbprint } })
  const mtlsTokens = mintAccessTokens(keys.ES256, FIRST_SIGHT, { cnf: { 'x5t#S256': certificate.thumbprint } })

  // The node:crypto floor: the same JWS signing input, a KeyObject imported once, nothing else.
  const floorVerify = (alg: Alg, token: string): boolean => {
    const dot = token.lastIndexOf('.')
    const input = Buffer.from(token.slice(0, dot))
    const signature = Buffer.from(token.slice(dot + 1), 'base64url')
    const key = keyObjects[alg]
    switch (alg) {
      case 'ES256':
        return nodeVerify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      case 'PS256':
        return nodeVerify('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
      case 'RS256':
        return nodeVerify('sha256', input, key, signature)
      case 'EdDSA':
        return nodeVerify(null, input, key, signature)
    }
  }

  // A hand-written node:crypto DPoP check: both signatures, claims, thumbprint and ath hashed, the
  // proof key imported once per thumbprint, and a jti set (the replay check, at its cheapest).
  const handProofKeys = new Map<string, KeyObject>()
  let handSeen = new Set<string>()
  const handWritten = (token: string, proof: string): void => {
    const t1 = token.indexOf('.')
    const t2 = token.indexOf('.', t1 + 1)
    if (!nodeVerify('sha256', Buffer.from(token.slice(0, t2)), { key: keyObjects.ES256, dsaEncoding: 'ieee-p1363' }, Buffer.from(token.slice(t2 + 1), 'base64url'))) {
      throw new Error('token signature')
    }
    const claims = JSON.parse(Buffer.from(token.slice(t1 + 1, t2), 'base64url').toString()) as Record<string, any>
    const now = Date.now() / 1000
    if (claims.iss !== ISSUER || claims.aud !== AUDIENCE || !(claims.exp > now)) throw new Error('token claims')
    const p1 = proof.indexOf('.')
    const p2 = proof.indexOf('.', p1 + 1)
    const header = JSON.parse(Buffer.from(proof.slice(0, p1), 'base64url').toString()) as Record<string, any>
    const payload = JSON.parse(Buffer.from(proof.slice(p1 + 1, p2), 'base64url').toString()) as Record<string, any>
    if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256') throw new Error('proof header')
    const jwk = header.jwk as { kty: string; crv: string; x: string; y: string }
    const jkt = createHash('sha256').update(`{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`).digest('base64url')
    let key = handProofKeys.get(jkt)
    if (key === undefined) {
      key = createPublicKey({ key: jwk, format: 'jwk' })
      handProofKeys.set(jkt, key)
    }
    if (!nodeVerify('sha256', Buffer.from(proof.slice(0, p2)), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(proof.slice(p2 + 1), 'base64url'))) {
      throw new Error('proof signature')
    }
    if (payload.htm !== METHOD || payload.htu !== URL_ || !(Math.abs(now - payload.iat) < 300)) throw new Error('proof claims')
    if (payload.ath !== createHash('sha256').update(token).digest('base64url')) throw new Error('ath')
    if (claims.cnf?.jkt !== jkt) throw new Error('cnf.jkt')
    if (handSeen.has(payload.jti)) throw new Error('replay')
    handSeen.add(payload.jti)
  }

  // jose 6 doing the same checks: jwtVerify of both, EmbeddedJWK for the proof, jose's thumbprint.
  let joseSeen = new Set<string>()
  const joseDPoP = async (token: string, proof: string): Promise<void> => {
    const { payload: claims } = await jwtVerify(token, localJwks, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: ['ES256'] })
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'], maxTokenAge: 300 })
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256')
    if (payload.htm !== METHOD || payload.htu !== URL_) throw new Error('proof claims')
    if (payload.ath !== accessTokenHash(token)) throw new Error('ath')
    if ((claims.cnf as { jkt?: string } | undefined)?.jkt !== jkt) throw new Error('cnf.jkt')
    if (joseSeen.has(payload.jti as string)) throw new Error('replay')
    joseSeen.add(payload.jti as string)
  }

  // Introspection: a loopback AS; the measured call is a cache hit.
  const issuer = await createLocalIssuer({ introspectionClient: { clientId: 'bench-rs', clientSecret: 'bench-secret-0123456789' } })
  const opaque = issuer.issueOpaque({ scope: 'accounts:read', exp: Math.floor(Date.now() / 1000) + 3600 })
  const introspectionGuard = createNodeGuard({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: issuer.audience,
    profile: 'oauth2',
    introspection: { clientId: 'bench-rs', clientSecret: 'bench-secret-0123456789', endpoint: issuer.introspectionEndpoint, cache: { ttl: 600 } },
  })
  const opaqueRequest = bearer(opaque)
  await introspectionGuard.verify(opaqueRequest)

  const mtlsRequest = (token: string): RequestLike => ({ ...bearer(token), clientCertificate: certificate.der })
  const der = certificate.der

  console.error(`fixtures ready in ${((Date.now() - started) / 1000).toFixed(1)} s; ${ROUNDS} round(s)`)

  for (let round = 1; round <= ROUNDS; round++) {
    // Fresh proofs every round (their iat must stay inside the 300 s window); pools big enough for a phase.
    const proofCount = QUICK ? 3000 : 20_000
    const proofs = mintProofs(client, proofCount, METHOD, URL_, dpopToken)
    const pairProofs = dpopTokens.map((token) => mintProof(client, METHOD, URL_, token))

    // ---- group 1: first sight, a fixed number of iterations (pools never wrap) ----
    const first = shuffled(new Bench({ name: 'first sight', time: 0, iterations: FIRST_SIGHT, warmupTime: 0, warmupIterations: Math.floor(FIRST_SIGHT / 5), throws: true }), round)
    for (const alg of ALGS) {
      const floorCursor = cursor(pools[alg], `floor ${alg}`)
      first.add(`floor ${alg}`, () => {
        if (!floorVerify(alg, floorCursor.next())) throw new Error('floor')
      }, { beforeAll: () => floorCursor.reset() })
      const joseCursor = cursor(pools[alg], `jose ${alg}`)
      first.add(`jose6 ${alg}`, async () => {
        await jwtVerify(joseCursor.next(), localJwks, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: [alg] })
      }, { beforeAll: () => joseCursor.reset() })
      const guardCursor = cursor(pools[alg], `fapi ${alg}`)
      let guard: Guard = createNodeGuard(bearerOptions)
      first.add(`fapi first ${alg}`, async () => {
        await guard.verify(bearer(guardCursor.next()))
      }, {
        beforeAll: async () => {
          guardCursor.reset()
          guard = createNodeGuard(bearerOptions)
          await guard.verify(bearer(warmToken[alg])) // key import, outside the samples
        },
      })
    }
    const jose4Cursor = cursor(pools.ES256, 'jose4')
    first.add('jose4 ES256', async () => {
      await jose4.jwtVerify(jose4Cursor.next(), localJwks4, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: ['ES256'] })
    }, { beforeAll: () => jose4Cursor.reset() })
    {
      const webCursor = cursor(pools.ES256, 'web')
      let guard: Guard = createWebGuard(bearerOptions)
      first.add('fapi-web first ES256', async () => {
        await guard.verify(bearer(webCursor.next()))
      }, {
        beforeAll: async () => {
          webCursor.reset()
          guard = createWebGuard(bearerOptions)
          await guard.verify(bearer(warmToken.ES256))
        },
      })
    }
    // DPoP, fresh token + fresh proof (a new token bound to the same key every call).
    {
      const pairs = cursor(dpopTokens.map((token, i) => [token, pairProofs[i] as string] as const), 'dpop pairs')
      first.add('hand DPoP first', () => {
        const [token, proof] = pairs.next()
        handWritten(token, proof)
      }, { beforeAll: () => { pairs.reset(); handSeen = new Set() } })
      const josePairs = cursor(dpopTokens.map((token, i) => [token, pairProofs[i] as string] as const), 'jose dpop pairs')
      first.add('jose6 DPoP first', async () => {
        const [token, proof] = josePairs.next()
        await joseDPoP(token, proof)
      }, { beforeAll: () => { josePairs.reset(); joseSeen = new Set() } })
      const guardPairs = cursor(dpopTokens.map((token, i) => [token, pairProofs[i] as string] as const), 'fapi dpop pairs')
      let guard: Guard = createNodeGuard(fapiOptions)
      first.add('fapi DPoP first', async () => {
        const [token, proof] = guardPairs.next()
        await guard.verify(dpopRequest(token, proof))
      }, {
        beforeAll: async () => {
          guardPairs.reset()
          guard = createNodeGuard(fapiOptions)
          await guard.verify(dpopRequest(dpopToken, mintProof(client, METHOD, URL_, dpopToken)))
        },
      })
    }
    // Certificate-bound, first sight.
    {
      const floorCursor = cursor(mtlsTokens, 'mtls floor')
      first.add('floor mTLS', () => {
        if (!floorVerify('ES256', floorCursor.next())) throw new Error('floor')
        createHash('sha256').update(der).digest('base64url')
      }, { beforeAll: () => floorCursor.reset() })
      const guardCursor = cursor(mtlsTokens, 'mtls fapi')
      let guard: Guard = createNodeGuard(fapiOptions)
      first.add('fapi mTLS first', async () => {
        await guard.verify(mtlsRequest(guardCursor.next()))
      }, {
        beforeAll: async () => {
          guardCursor.reset()
          guard = createNodeGuard(fapiOptions)
          await guard.verify(mtlsRequest(mtlsToken))
        },
      })
    }
    for (const task of await first.run()) record(task)

    // ---- group 2: repeats and cache hits, by time ----
    const timed = shuffled(new Bench({ name: 'repeat', time: TIME, warmupTime: Math.floor(TIME / 4), throws: true }), round)
    for (const alg of ALGS) {
      const guard = createNodeGuard(bearerOptions)
      const request = bearer(repeat[alg])
      timed.add(`fapi repeat ${alg}`, async () => {
        await guard.verify(request)
      })
      timed.add(`jose6 repeat ${alg}`, async () => {
        await jwtVerify(repeat[alg], localJwks, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: [alg] })
      })
    }
    {
      const guard = createWebGuard(bearerOptions)
      const request = bearer(repeat.ES256)
      timed.add('fapi-web repeat ES256', async () => {
        await guard.verify(request)
      })
    }
    // DPoP with the token reused and a fresh proof each call.
    {
      const handProofs = cursor(proofs, 'hand proofs')
      timed.add('hand DPoP repeat', () => {
        handWritten(dpopToken, handProofs.next())
      }, { beforeAll: () => { handProofs.reset(); handSeen = new Set() } })
      const joseProofs = cursor(proofs, 'jose proofs')
      timed.add('jose6 DPoP repeat', async () => {
        await joseDPoP(dpopToken, joseProofs.next())
      }, { beforeAll: () => { joseProofs.reset(); joseSeen = new Set() } })
      const guardProofs = cursor(proofs, 'fapi proofs')
      let guard: Guard = createNodeGuard(fapiOptions)
      timed.add('fapi DPoP repeat', async () => {
        await guard.verify(dpopRequest(dpopToken, guardProofs.next()))
      }, { beforeAll: () => { guardProofs.reset(); guard = createNodeGuard(fapiOptions) } })
      const webProofs = cursor(proofs, 'web proofs')
      let webGuard: Guard = createWebGuard(fapiOptions)
      timed.add('fapi-web DPoP repeat', async () => {
        await webGuard.verify(dpopRequest(dpopToken, webProofs.next()))
      }, { beforeAll: () => { webProofs.reset(); webGuard = createWebGuard(fapiOptions) } })
    }
    {
      const guard = createNodeGuard(fapiOptions)
      const request = mtlsRequest(mtlsToken)
      timed.add('fapi mTLS repeat', async () => {
        await guard.verify(request)
      })
    }
    timed.add('fapi introspection hit', async () => {
      await introspectionGuard.verify(opaqueRequest)
    })
    for (const task of await timed.run()) record(task)
    console.error(`round ${round}/${ROUNDS} done at ${((Date.now() - started) / 1000).toFixed(0)} s`)
  }
  await issuer.close()

  // ---- paired check: the compared calls alternate call by call, so a change of machine load during
  // the run weighs on every side alike (the most robust ratio on a shared machine) ----
  const paired = new Map<string, number>()
  const pairedRun = async (label: string, sides: ReadonlyArray<readonly [string, (i: number) => unknown]>, from: number, to: number) => {
    const samples = sides.map(() => [] as number[])
    for (let i = from; i < to; i++) {
      for (let side = 0; side < sides.length; side++) {
        const t0 = performance.now()
        await (sides[side] as readonly [string, (i: number) => unknown])[1](i)
        ;(samples[side] as number[]).push(performance.now() - t0)
      }
    }
    sides.forEach(([name], side) => paired.set(`${label}/${name}`, median(samples[side] as number[]) * 1000))
  }
  const WARM = Math.floor(FIRST_SIGHT / 8)
  for (const alg of ALGS) {
    const guard = createNodeGuard(bearerOptions)
    await guard.verify(bearer(warmToken[alg]))
    const sides = [
      ['floor', (i: number) => floorVerify(alg, pools[alg][i] as string)],
      ['jose6', (i: number) => jwtVerify(pools[alg][i] as string, localJwks, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: [alg] })],
      ['fapi first', (i: number) => guard.verify(bearer(pools[alg][i] as string))],
    ] as const
    await pairedRun(alg, sides, 0, WARM)
    await pairedRun(alg, sides, WARM, FIRST_SIGHT)
  }
  {
    const proofs = mintProofs(client, FIRST_SIGHT, METHOD, URL_, dpopToken)
    const pairProofs = dpopTokens.map((token) => mintProof(client, METHOD, URL_, token))
    const repeatGuard = createNodeGuard(fapiOptions)
    const firstGuard = createNodeGuard(fapiOptions)
    await firstGuard.verify(dpopRequest(dpopToken, mintProof(client, METHOD, URL_, dpopToken)))
    handSeen = new Set()
    const sides = [
      ['hand repeat', (i: number) => handWritten(dpopToken, proofs[i] as string)],
      ['fapi repeat', (i: number) => repeatGuard.verify(dpopRequest(dpopToken, proofs[i] as string))],
      ['hand first', (i: number) => handWritten(dpopTokens[i] as string, pairProofs[i] as string)],
      ['fapi first', (i: number) => firstGuard.verify(dpopRequest(dpopTokens[i] as string, pairProofs[i] as string))],
    ] as const
    await pairedRun('DPoP', sides, 0, WARM)
    await pairedRun('DPoP', sides, WARM, FIRST_SIGHT)
  }

  // ---- the table ----
  const p50 = (name: string) => median(results.get(name)?.p50 ?? [Number.NaN])
  const p99 = (name: string) => median(results.get(name)?.p99 ?? [Number.NaN])
  type Row = { name: string; label: string; ref?: string; speedup?: boolean }
  const rows: Row[] = []
  for (const alg of ALGS) {
    rows.push({ name: `floor ${alg}`, label: `node:crypto floor, ${alg}` })
    rows.push({ name: `jose6 ${alg}`, label: `jose 6 jwtVerify, ${alg}, new token`, ref: `floor ${alg}` })
    rows.push({ name: `fapi first ${alg}`, label: `fapi-guard verify, ${alg}, first sight`, ref: `floor ${alg}` })
    rows.push({ name: `jose6 repeat ${alg}`, label: `jose 6 jwtVerify, ${alg}, same token`, ref: `floor ${alg}` })
    rows.push({ name: `fapi repeat ${alg}`, label: `fapi-guard verify, ${alg}, repeat`, ref: `jose6 repeat ${alg}`, speedup: true })
  }
  rows.push({ name: 'jose4 ES256', label: 'jose 4 jwtVerify (express-oauth2-jwt-bearer\'s), ES256', ref: 'floor ES256' })
  rows.push({ name: 'fapi-web first ES256', label: 'fapi-guard web-crypto build, ES256, first sight', ref: 'floor ES256' })
  rows.push({ name: 'fapi-web repeat ES256', label: 'fapi-guard web-crypto build, ES256, repeat', ref: 'jose6 repeat ES256', speedup: true })
  rows.push({ name: 'hand DPoP repeat', label: 'hand-written node:crypto DPoP, same token + fresh proof' })
  rows.push({ name: 'jose6 DPoP repeat', label: 'jose 6 + EmbeddedJWK DPoP, same token + fresh proof', ref: 'hand DPoP repeat' })
  rows.push({ name: 'fapi DPoP repeat', label: 'fapi-guard DPoP, same token + fresh proof', ref: 'hand DPoP repeat' })
  rows.push({ name: 'fapi-web DPoP repeat', label: 'fapi-guard web-crypto DPoP, same token + fresh proof', ref: 'hand DPoP repeat' })
  rows.push({ name: 'hand DPoP first', label: 'hand-written node:crypto DPoP, fresh token + fresh proof' })
  rows.push({ name: 'jose6 DPoP first', label: 'jose 6 + EmbeddedJWK DPoP, fresh token + fresh proof', ref: 'hand DPoP first' })
  rows.push({ name: 'fapi DPoP first', label: 'fapi-guard DPoP, fresh token + fresh proof', ref: 'hand DPoP first' })
  rows.push({ name: 'floor mTLS', label: 'node:crypto floor + SHA-256 of the DER, ES256' })
  rows.push({ name: 'fapi mTLS first', label: 'fapi-guard certificate-bound, first sight', ref: 'floor mTLS' })
  rows.push({ name: 'fapi mTLS repeat', label: 'fapi-guard certificate-bound, repeat', ref: 'floor mTLS' })
  rows.push({ name: 'fapi introspection hit', label: 'fapi-guard opaque token, introspection cache hit', ref: 'floor ES256' })

  const fmt = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : 'n/a')
  const lines: string[] = []
  lines.push(`fapi-guard micro benchmarks — Node ${process.version}, ${ROUNDS} round(s), first sight ${FIRST_SIGHT} iterations, others ${TIME} ms per task`)
  lines.push('')
  lines.push('| task | p50 µs | p99 µs | ratio (p50) | against |')
  lines.push('| --- | ---: | ---: | ---: | --- |')
  const json: Record<string, unknown>[] = []
  for (const row of rows) {
    const own = p50(row.name)
    let ratio = ''
    if (row.ref !== undefined) {
      const ref = p50(row.ref)
      ratio = row.speedup ? `${(ref / own).toFixed(1)}× faster` : `${(own / ref).toFixed(2)}×`
    }
    const against = row.ref === undefined ? '' : rows.find((item) => item.name === row.ref)?.label ?? row.ref
    lines.push(`| ${row.label} | ${fmt(own)} | ${fmt(p99(row.name))} | ${ratio} | ${against} |`)
    json.push({ task: row.name, label: row.label, p50: own, p99: p99(row.name), rounds: results.get(row.name), ref: row.ref, ratio })
  }
  lines.push('')
  lines.push(`Paired check of the first-sight and DPoP ratios (the compared calls alternate one by one; median of ${FIRST_SIGHT - WARM} calls each, after ${WARM} warm-up calls; repeats are left to the table above, since a 6 µs call timed right after a 100 µs one runs on cold caches):`)
  lines.push('')
  lines.push('| case | floor µs | jose 6 µs | jose 6 ÷ floor | fapi-guard first sight µs | first ÷ floor |')
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const alg of ALGS) {
    const get = (name: string) => paired.get(`${alg}/${name}`) as number
    lines.push(`| bearer ${alg} | ${fmt(get('floor'))} | ${fmt(get('jose6'))} | ${(get('jose6') / get('floor')).toFixed(2)}× | ${fmt(get('fapi first'))} | ${(get('fapi first') / get('floor')).toFixed(2)}× |`)
  }
  lines.push('')
  lines.push('| DPoP case | hand-written µs | fapi-guard µs | ratio |')
  lines.push('| --- | ---: | ---: | ---: |')
  for (const mode of ['repeat', 'first']) {
    const hand = paired.get(`DPoP/hand ${mode}`) as number
    const fapi = paired.get(`DPoP/fapi ${mode}`) as number
    lines.push(`| ${mode === 'repeat' ? 'same token + fresh proof' : 'fresh token + fresh proof'} | ${fmt(hand)} | ${fmt(fapi)} | ${(fapi / hand).toFixed(2)}× |`)
  }
  lines.push('')
  const target = (label: string, value: number, limit: number, lessIsBetter: boolean) =>
    `${label}: ${value.toFixed(2)} (target ${lessIsBetter ? '≤' : '≥'} ${limit}) — ${(lessIsBetter ? value <= limit : value >= limit) ? 'met' : 'MISSED'}`
  for (const alg of ALGS) lines.push(target(`first sight ${alg} ÷ floor`, p50(`fapi first ${alg}`) / p50(`floor ${alg}`), 1.2, true))
  for (const alg of ALGS) lines.push(target(`jose 6 ÷ repeat ${alg}`, p50(`jose6 repeat ${alg}`) / p50(`fapi repeat ${alg}`), 20, false))
  lines.push(target('DPoP (same token) ÷ hand-written', p50('fapi DPoP repeat') / p50('hand DPoP repeat'), 1.3, true))
  lines.push(target('DPoP (fresh token) ÷ hand-written', p50('fapi DPoP first') / p50('hand DPoP first'), 1.3, true))
  lines.push('')
  lines.push('The same targets from the paired check:')
  const pair = (name: string) => paired.get(name) as number
  for (const alg of ALGS) lines.push(target(`first sight ${alg} ÷ floor (paired)`, pair(`${alg}/fapi first`) / pair(`${alg}/floor`), 1.2, true))
  lines.push(target('DPoP (same token) ÷ hand-written (paired)', pair('DPoP/fapi repeat') / pair('DPoP/hand repeat'), 1.3, true))
  lines.push(target('DPoP (fresh token) ÷ hand-written (paired)', pair('DPoP/fapi first') / pair('DPoP/hand first'), 1.3, true))
  console.log(lines.join('\n'))
  if (process.env.BENCH_JSON) {
    mkdirSync(dirname(process.env.BENCH_JSON), { recursive: true })
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, rounds: ROUNDS, firstSight: FIRST_SIGHT, time: TIME, rows: json, paired: Object.fromEntries(paired) }, null, 2))
  }
}

await main()
