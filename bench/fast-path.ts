/**
 * Fast-path candidates for core, measured without touching packages/core/src: `npm run bench:fast-path`
 * (`tsx bench/fast-path.ts`).
 *
 * Part A times single steps of the hot path as they are (imported from core's sources) beside a
 * candidate written here. Part B copies packages/core/src to bench/.fast-path-core/, applies the
 * candidate changes below to the copy as exact text replacements (a replacement whose text is no
 * longer found is reported and skipped), and times whole `guard.verify` calls of both builds in one
 * process, alternated, BENCH_ROUNDS times (default 3); the figures are medians of tinybench's p50.
 *
 * None of the candidates changes what is accepted or refused: each computes the same values faster,
 * or stores them in less memory.
 */
import { createHash, randomUUID } from 'node:crypto'
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Bench } from 'tinybench'
import { encodeBase64url, utf8Encode, decodeJSONObject } from '../packages/core/src/lib/encoding.js'
import { parseCompactJWS } from '../packages/core/src/access-token/parse-compact-jws.js'
import { nodeCryptoBackend } from '../packages/core/src/node/node-crypto-backend.js'
import { normalizeHtu } from '../packages/core/src/binding/normalize-htu.js'
import { bounded } from '../packages/core/src/lib/bounded.js'
import { createMemoryReplayStore } from '../packages/core/src/replay/memory-replay-store.js'
import { readScopes } from '../packages/core/src/access-token/check-scopes.js'
import { TOKEN68 } from '../packages/core/src/request/parse-authorization.js'
import type { Guard, GuardOptions, RequestLike } from '../packages/core/src/node/index.js'
import { AUDIENCE, ISSUER, makeDPoPKey, makeKey, mintAccessToken, mintAccessTokens, mintProof, mintProofs } from './lib/fixtures.js'

const here = dirname(fileURLToPath(import.meta.url))
const CORE = join(here, '..', 'packages', 'core', 'src')
const COPY = join(here, '.fast-path-core')
const QUICK = process.env.BENCH_QUICK === '1'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3))
const TIME = QUICK ? 150 : 800
const URL_ = 'https://api.bench.test/accounts'

interface Patch {
  readonly id: string
  readonly file: string
  readonly find: string
  readonly replace: string
}

/** The candidate changes, as text replacements in core's sources. */
const PATCHES: readonly Patch[] = [
  // C1. SHA-256 straight to base64url in node:crypto (one native call, no Buffer, no TextEncoder copy,
  //     no JS encoder): the verified-token cache key, DPoP `ath`, JWK thumbprint, replay key, x5t#S256.
  {
    id: 'C1',
    file: 'keys/crypto-backend.ts',
    find: "import { importJWK, type JWK } from 'jose'",
    replace: "import { importJWK, type JWK } from 'jose'\nimport { encodeBase64url, utf8Encode } from '../lib/encoding.js'",
  },
  {
    id: 'C1',
    file: 'keys/crypto-backend.ts',
    find: '  hmacSha256(secret: Uint8Array, data: Uint8Array): Promise<Uint8Array> | Uint8Array\n}',
    replace: [
      '  hmacSha256(secret: Uint8Array, data: Uint8Array): Promise<Uint8Array> | Uint8Array',
      '  /** Optional: base64url of SHA-256 (UTF-8 for strings) in one step. */',
      '  sha256Base64url?(data: string | Uint8Array): string',
      '}',
      '',
      '/** base64url(SHA-256(data)), strings as UTF-8, through the backend\'s one-step form when it has one. */',
      'export function sha256Base64url(backend: CryptoBackend, data: string | Uint8Array): string | Promise<string> {',
      '  if (backend.sha256Base64url !== undefined) return backend.sha256Base64url(data)',
      "  const digest = backend.sha256(typeof data === 'string' ? utf8Encode(data) : data)",
      '  return digest instanceof Uint8Array ? encodeBase64url(digest) : digest.then(encodeBase64url)',
      '}',
    ].join('\n'),
  },
  {
    id: 'C1',
    file: 'node/node-crypto-backend.ts',
    find: "  sha256(data) {\n    return createHash('sha256').update(data).digest()\n  },",
    replace: "  sha256(data) {\n    return createHash('sha256').update(data).digest()\n  },\n  sha256Base64url(data) {\n    return createHash('sha256').update(data).digest('base64url')\n  },",
  },
  {
    id: 'C1',
    file: 'access-token/verify-jwt-access-token.ts',
    find: 'encodeBase64url(await rules.backend.sha256(utf8Encode(token)))',
    replace: 'await sha256Base64url(rules.backend, token)',
  },
  {
    id: 'C1',
    file: 'access-token/verify-jwt-access-token.ts',
    find: "import { encodeBase64url, utf8Encode } from '../lib/encoding.js'",
    replace: "import { sha256Base64url } from '../keys/crypto-backend.js'",
  },
  {
    id: 'C1',
    file: 'binding/verify-dpop-proof.ts',
    find: 'const expected = encodeBase64url(await backend.sha256(utf8Encode(token)))',
    replace: 'const expected = await sha256Base64url(backend, token)',
  },
  {
    id: 'C1',
    file: 'binding/verify-dpop-proof.ts',
    find: 'const key = encodeBase64url(await rules.backend.sha256(utf8Encode(`${jkt}:${jti}`)))',
    replace: 'const key = await sha256Base64url(rules.backend, `${jkt}:${jti}`)',
  },
  {
    id: 'C1',
    file: 'binding/verify-dpop-proof.ts',
    find: "import type { CryptoBackend } from '../keys/crypto-backend.js'",
    replace: "import { sha256Base64url, type CryptoBackend } from '../keys/crypto-backend.js'",
  },
  {
    id: 'C1',
    file: 'binding/jwk-thumbprint.ts',
    find: 'return encodeBase64url(await backend.sha256(utf8Encode(JSON.stringify(canonical))))',
    replace: 'return sha256Base64url(backend, JSON.stringify(canonical))',
  },
  {
    id: 'C1',
    file: 'binding/jwk-thumbprint.ts',
    find: "import type { CryptoBackend } from '../keys/crypto-backend.js'",
    replace: "import { sha256Base64url, type CryptoBackend } from '../keys/crypto-backend.js'",
  },
  {
    id: 'C1',
    file: 'binding/verify-certificate-binding.ts',
    find: 'return encodeBase64url(await backend.sha256(der))',
    replace: 'return sha256Base64url(backend, der)',
  },
  {
    id: 'C1',
    file: 'binding/verify-certificate-binding.ts',
    find: "import type { CryptoBackend } from '../keys/crypto-backend.js'",
    replace: "import { sha256Base64url, type CryptoBackend } from '../keys/crypto-backend.js'",
  },
  // C2. encodeBase64url builds a flat string (character codes, then one String.fromCharCode) instead of
  //     a rope of `+=` pieces: a rope kept as a Map key (replay store, caches) costs ~400 bytes more.
  {
    id: 'C2',
    file: 'lib/encoding.ts',
    find: "export function encodeBase64url(input: Uint8Array): string {\n  let out = ''",
    replace: [
      'const CODES = Uint8Array.from(ALPHABET, (char) => char.charCodeAt(0))',
      'export function encodeBase64url(input: Uint8Array): string {',
      '  if (input.length <= 3072) {',
      '    const codes = new Array<number>(Math.ceil((input.length * 4) / 3))',
      '    let at = 0',
      '    let j = 0',
      '    for (const full = input.length - (input.length % 3); j < full; j += 3) {',
      '      const bits = ((input[j] as number) << 16) | ((input[j + 1] as number) << 8) | (input[j + 2] as number)',
      '      codes[at++] = CODES[bits >> 18] as number',
      '      codes[at++] = CODES[(bits >> 12) & 63] as number',
      '      codes[at++] = CODES[(bits >> 6) & 63] as number',
      '      codes[at++] = CODES[bits & 63] as number',
      '    }',
      '    const left = input.length - j',
      '    if (left > 0) {',
      '      const bits = ((input[j] as number) << 16) | (left === 2 ? (input[j + 1] as number) << 8 : 0)',
      '      codes[at++] = CODES[bits >> 18] as number',
      '      codes[at++] = CODES[(bits >> 12) & 63] as number',
      '      if (left === 2) codes[at++] = CODES[(bits >> 6) & 63] as number',
      '    }',
      '    return String.fromCharCode.apply(null, codes)',
      '  }',
      "  let out = ''",
    ].join('\n'),
  },
  // C3. The normalized form of an `htu` is remembered (a client sends the same few URLs again and
  //     again): two WHATWG URL parses less per DPoP request. Bounded: 1 024 entries, values ≤ 2 KB.
  {
    id: 'C3',
    file: 'binding/normalize-htu.ts',
    find: 'export function normalizeHtu(value: string): string | undefined {\n  let url: URL',
    replace: [
      'const NORMALIZED = new Map<string, string | undefined>()',
      'export function normalizeHtu(value: string): string | undefined {',
      '  const known = NORMALIZED.get(value)',
      '  if (known !== undefined || NORMALIZED.has(value)) return known',
      '  const result = normalizeHtuOnce(value)',
      '  if (value.length <= 2048) {',
      '    if (NORMALIZED.size >= 1024) NORMALIZED.clear()',
      '    NORMALIZED.set(value, result)',
      '  }',
      '  return result',
      '}',
      'function normalizeHtuOnce(value: string): string | undefined {',
      '  let url: URL',
    ].join('\n'),
  },
  // C4. The in-process replay store answers at once: no timer, no Promise.race for it (bounded() stays
  //     for stores on the network).
  {
    id: 'C4',
    file: 'replay/memory-replay-store.ts',
    find: '  return {\n    async useOnce(key, expiresAt) {',
    replace: "  return {\n    [Symbol.for('fapi-guard.replay-store.in-process')]: true,\n    async useOnce(key, expiresAt) {",
  },
  {
    id: 'C4',
    file: 'binding/verify-dpop-proof.ts',
    find: 'first = await bounded(() => rules.replayStore.useOnce(key, expiresAt), REPLAY_STORE_TIMEOUT_MS)',
    replace:
      "first = (rules.replayStore as unknown as Record<symbol, unknown>)[Symbol.for('fapi-guard.replay-store.in-process')] === true\n      ? await rules.replayStore.useOnce(key, expiresAt)\n      : await bounded(() => rules.replayStore.useOnce(key, expiresAt), REPLAY_STORE_TIMEOUT_MS)",
  },
]

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

function p50(task: { result?: unknown }): number {
  return ((task.result as { latency?: { p50?: number } } | undefined)?.latency?.p50 ?? Number.NaN) * 1000
}

/** Copies core's sources and applies the patches; returns which applied. */
function buildCandidate(ids: ReadonlySet<string>): { applied: string[]; skipped: string[] } {
  rmSync(COPY, { recursive: true, force: true })
  cpSync(CORE, COPY, { recursive: true })
  const applied: string[] = []
  const skipped: string[] = []
  for (const patch of PATCHES) {
    if (!ids.has(patch.id)) continue
    const path = join(COPY, patch.file)
    const text = readFileSync(path, 'utf8')
    if (!text.includes(patch.find)) {
      skipped.push(`${patch.id} ${patch.file}`)
      continue
    }
    writeFileSync(path, text.replace(patch.find, patch.replace))
    applied.push(`${patch.id} ${patch.file}`)
  }
  return { applied, skipped }
}

async function partA(lines: string[]): Promise<void> {
  const key = makeKey('ES256')
  const token = mintAccessToken(key)
  const tokens = mintAccessTokens(key, 2000)
  const digest = createHash('sha256').update(token).digest()
  const header = token.slice(0, token.indexOf('.'))
  const payload = token.slice(token.indexOf('.') + 1, token.lastIndexOf('.'))
  const latin1 = new TextDecoder('latin1')
  const CODES = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (char) => char.charCodeAt(0))
  const flatEncode = (input: Uint8Array): string => {
    const codes = new Array<number>(Math.ceil((input.length * 4) / 3))
    let at = 0
    let j = 0
    for (const full = input.length - (input.length % 3); j < full; j += 3) {
      const bits = ((input[j] as number) << 16) | ((input[j + 1] as number) << 8) | (input[j + 2] as number)
      codes[at++] = CODES[bits >> 18] as number
      codes[at++] = CODES[(bits >> 12) & 63] as number
      codes[at++] = CODES[(bits >> 6) & 63] as number
      codes[at++] = CODES[bits & 63] as number
    }
    const left = input.length - j
    if (left > 0) {
      const bits = ((input[j] as number) << 16) | (left === 2 ? (input[j + 1] as number) << 8 : 0)
      codes[at++] = CODES[bits >> 18] as number
      codes[at++] = CODES[(bits >> 12) & 63] as number
      if (left === 2) codes[at++] = CODES[(bits >> 6) & 63] as number
    }
    return String.fromCharCode.apply(null, codes)
  }
  // A strict decoder on Buffer: canonical base64url checked first (alphabet, length, zero pad bits),
  // then node's native decoder; ASCII decoded as latin1, anything else through fatal UTF-8.
  const SEGMENT = /^[A-Za-z0-9_-]*$/
  const VALUE = new Uint8Array(128).fill(255)
  for (let i = 0; i < 64; i++) VALUE[CODES[i] as number] = i
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const bufferJSON = (segment: string): Record<string, unknown> | undefined => {
    const rest = segment.length % 4
    if (rest === 1 || !SEGMENT.test(segment)) return undefined
    if (rest !== 0 && ((VALUE[segment.charCodeAt(segment.length - 1)] as number) & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined
    const bytes = Buffer.from(segment, 'base64url')
    let ascii = true
    for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 0x7f) { ascii = false; break }
    try {
      const value: unknown = JSON.parse(ascii ? bytes.toString('latin1') : fatal.decode(bytes))
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
    } catch {
      return undefined
    }
  }
  const memo = new Map<string, string | undefined>()
  const memoHtu = (value: string) => {
    const known = memo.get(value)
    if (known !== undefined || memo.has(value)) return known
    const result = normalizeHtu(value)
    memo.set(value, result)
    return result
  }
  const store = createMemoryReplayStore({ capacity: 2_000_000 })
  const storeB = createMemoryReplayStore({ capacity: 2_000_000 })
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  let i = 0
  const next = () => tokens[(i = (i + 1) % tokens.length)] as string

  const bench = new Bench({ time: TIME, warmupTime: Math.floor(TIME / 4) })
  bench
    .add('cache key: core (utf8Encode, sha256 → Buffer, JS base64url)', () => encodeBase64url(nodeCryptoBackend.sha256(utf8Encode(next())) as Uint8Array))
    .add("cache key: C1 createHash().update(token).digest('base64url')", () => createHash('sha256').update(next()).digest('base64url'))
    .add('encodeBase64url(32 bytes): core (+= rope)', () => encodeBase64url(digest))
    .add('encodeBase64url(32 bytes): C2 (char codes, one fromCharCode)', () => flatEncode(digest))
    .add('encodeBase64url(32 bytes): TextDecoder over codes', () => latin1.decode(Buffer.from(digest.toString('base64url'))))
    .add('header + payload JSON: core decodeJSONObject', () => {
      decodeJSONObject(header)
      decodeJSONObject(payload)
    })
    .add('header + payload JSON: strict check, then Buffer', () => {
      bufferJSON(header)
      bufferJSON(payload)
    })
    .add('parseCompactJWS (whole token), core', () => parseCompactJWS(next()))
    .add('normalizeHtu twice (proof htu + request URL): core', () => {
      normalizeHtu(URL_)
      normalizeHtu(URL_)
    })
    .add('normalizeHtu twice: C3 remembered', () => {
      memoHtu(URL_)
      memoHtu(URL_)
    })
    .add('replay store: core bounded(useOnce)', async () => {
      await bounded(() => store.useOnce(randomUUID(), Date.now() + 300_000), 2000)
    })
    .add('replay store: C4 useOnce awaited directly', async () => {
      await storeB.useOnce(randomUUID(), Date.now() + 300_000)
    })
    .add('readScopes(claims) (every request, repeat too)', () => readScopes(claims, undefined))
    .add('TOKEN68 test of the token (every request, repeat too)', () => TOKEN68.test(next()))
  await bench.run()
  lines.push('### A. Steps of the hot path, core as it is beside a candidate (same process)')
  lines.push('')
  lines.push('| step | p50 µs |')
  lines.push('| --- | ---: |')
  for (const task of bench.tasks) lines.push(`| ${task.name} | ${p50(task).toFixed(2)} |`)
  lines.push('')
  // The randomUUID() in the two replay rows is included in both.
}

async function partB(lines: string[]): Promise<void> {
  const all = new Set(PATCHES.map((patch) => patch.id))
  const { applied, skipped } = buildCandidate(all)
  const current = (await import(pathToFileURL(join(CORE, 'node', 'index.ts')).href)) as typeof import('../packages/core/src/node/index.js')
  const candidate = (await import(pathToFileURL(join(COPY, 'node', 'index.ts')).href)) as typeof import('../packages/core/src/node/index.js')

  const key = makeKey('ES256')
  const client = makeDPoPKey()
  const jwks = { keys: [key.jwk] } as unknown as NonNullable<GuardOptions['jwks']>
  const bearerOptions: GuardOptions = { issuer: ISSUER, audience: AUDIENCE, jwks, profile: 'oauth2' }
  const fapiOptions: GuardOptions = { issuer: ISSUER, audience: AUDIENCE, jwks }
  const token = mintAccessToken(key)
  const dpopToken = mintAccessToken(key, { cnf: { jkt: client.jkt } })
  const FIRST = QUICK ? 400 : 3000
  const pool = mintAccessTokens(key, FIRST)
  const bearer = (value: string): RequestLike => ({ method: 'GET', url: URL_, headers: { authorization: `Bearer ${value}` } })
  const dpop = (proof: string): RequestLike => ({ method: 'GET', url: URL_, headers: { authorization: `DPoP ${dpopToken}`, dpop: proof } })

  const rows = new Map<string, number[]>()
  const builds = [['core', current], ['candidate', candidate]] as const
  for (let round = 0; round < ROUNDS; round++) {
    const proofs = mintProofs(client, QUICK ? 3000 : 20_000, 'GET', URL_, dpopToken)
    const bench = new Bench({ time: TIME, warmupTime: Math.floor(TIME / 4), throws: true })
    const firstBench = new Bench({ time: 0, iterations: FIRST, warmupTime: 0, warmupIterations: Math.floor(FIRST / 5), throws: true })
    // Alternate the order of the two builds from round to round.
    const ordered = round % 2 === 0 ? builds : ([builds[1], builds[0]] as const)
    for (const [name, build] of ordered) {
      const repeatGuard = build.createGuard(bearerOptions)
      const repeatRequest = bearer(token)
      bench.add(`${name}: bearer ES256, repeat`, async () => {
        await repeatGuard.verify(repeatRequest)
      })
      let dpopGuard: Guard = build.createGuard(fapiOptions)
      let at = 0
      bench.add(`${name}: DPoP, same token + fresh proof`, async () => {
        await dpopGuard.verify(dpop(proofs[at++] as string))
      }, { beforeAll: () => { at = 0; dpopGuard = build.createGuard(fapiOptions) } })
      let firstGuard: Guard = build.createGuard(bearerOptions)
      let k = 0
      firstBench.add(`${name}: bearer ES256, first sight`, async () => {
        await firstGuard.verify(bearer(pool[k++] as string))
      }, {
        beforeAll: async () => {
          k = 0
          firstGuard = build.createGuard(bearerOptions)
          await firstGuard.verify(bearer(token))
        },
      })
    }
    for (const task of [...(await bench.run()), ...(await firstBench.run())]) rows.set(task.name, [...(rows.get(task.name) ?? []), p50(task)])
  }
  lines.push(`### B. Whole guard.verify, core as it is beside core with C1–C4 applied (${ROUNDS} round(s), medians of p50)`)
  lines.push('')
  lines.push(`Applied: ${[...new Set(applied.map((item) => item.split(' ')[0]))].join(', ') || 'none'}${skipped.length > 0 ? `; NOT applied (source changed): ${skipped.join('; ')}` : ''}`)
  lines.push('')
  lines.push('| case | core p50 µs | candidate p50 µs | gain |')
  lines.push('| --- | ---: | ---: | ---: |')
  for (const label of ['bearer ES256, repeat', 'bearer ES256, first sight', 'DPoP, same token + fresh proof']) {
    const before = median(rows.get(`core: ${label}`) ?? [])
    const after = median(rows.get(`candidate: ${label}`) ?? [])
    lines.push(`| ${label} | ${before.toFixed(2)} | ${after.toFixed(2)} | ${(before - after).toFixed(2)} µs (${(((before - after) / before) * 100).toFixed(0)} %) |`)
  }
  lines.push('')
}

async function main(): Promise<void> {
  const lines: string[] = [`fapi-guard fast-path candidates — Node ${process.version}`, '']
  try {
    await partA(lines)
    await partB(lines)
  } finally {
    if (existsSync(COPY) && process.env.BENCH_KEEP_COPY !== '1') rmSync(COPY, { recursive: true, force: true })
  }
  console.log(lines.join('\n'))
}

await main()
