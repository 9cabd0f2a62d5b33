import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard } from '@fapi-guard/express'
import fc from 'fast-check'
import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { expressVersions } from './support/express-versions.js'
import { send, serve, type Served } from './support/http.js'

// Property: whatever arrives in Authorization (and DPoP), the answer is 400 or 401 (431 when Node refuses an
// oversized header block), never 500, and the protected route never runs.

const RUNS_PER_VERSION = 3000
const ALLOWED_STATUSES = [400, 401, 431]

/** What Node's HTTP client will put in a header value (it throws on anything else). */
const SENDABLE = /^[\t\x20-\x7E\x80-\xFF]*$/
const isSendable = (value: string) => SENDABLE.test(value)
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

let issuer: LocalIssuer
/** Genuine tokens the near-valid generator mutates. */
let validTokens: string[] = []

beforeAll(async () => {
  issuer = await createLocalIssuer()
  validTokens = await Promise.all([
    issuer.mint(),
    issuer.mint({ scope: 'accounts:read payments' }),
    issuer.mint({ cnf: { 'x5t#S256': 'x'.repeat(43) } }),
  ])
})
afterAll(() => issuer.close())

const utf8AsLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1')
const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * True when the header value, as the server will read it, still carries a genuine token: same
 * header and payload, and a signature segment that decodes to the same bytes. (The core accepts
 * non-canonical base64url in the signature segment, so such a "mutant" is really the same token.)
 */
function carriesGenuineToken(value: string): boolean {
  const match = /^[\t ]*([^\t ]+) +([^\t ]+)[\t ]*$/.exec(value)
  if (match === null || match[1]?.toLowerCase() !== 'bearer') return false
  const token = match[2] as string
  return validTokens.some((genuine) => {
    const [h, p, s] = genuine.split('.') as [string, string, string]
    const parts = token.split('.')
    if (parts.length !== 3 || parts[0] !== h || parts[1] !== p) return false
    const signature = parts[2] as string
    return /^[A-Za-z0-9_-]+$/.test(signature) && signature.length % 4 !== 1 && Buffer.from(signature, 'base64url').equals(Buffer.from(s, 'base64url'))
  })
}

// --- token-ish strings -------------------------------------------------------------------------

const asciiString = fc.string({ maxLength: 200 })
const latin1Bytes = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')).filter(isSendable)
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 80 }).map(utf8AsLatin1)
const token68ish = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,120}=*$/)
const punctuated = fc
  .array(fc.constantFrom('a', 'Z', '9', '.', ',', ' ', '\t', '=', '"', '\\', ';', ':', '/', '+', '-', '_', '~', '%', '\u00e9'), { maxLength: 60 })
  .map((chars) => chars.join(''))

/** A genuine token broken in one of many ways. */
const nearValidJWT = fc
  .tuple(
    fc.nat(),
    fc.constantFrom(
      'replace', 'delete', 'insert', 'swap-segments', 'truncate', 'extra-segment', 'drop-segment', 'pad', 'case',
      'alg-none', 'alg-hs256', 'header-json', 'payload-json', 'empty-signature', 'two-tokens', 'whitespace-inside',
    ),
    fc.nat(),
    fc.constantFrom(...B64URL.split(''), '.', '=', '+', '/', '%', '*'),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map(([which, how, at, char, json]) => {
    const token = validTokens[which % validTokens.length] as string
    const [h, p, s] = token.split('.') as [string, string, string]
    const i = at % token.length
    switch (how) {
      case 'replace': return token.slice(0, i) + char + token.slice(i + 1)
      case 'delete': return token.slice(0, i) + token.slice(i + 1)
      case 'insert': return token.slice(0, i) + char + token.slice(i)
      case 'swap-segments': return [p, h, s].join('.')
      case 'truncate': return token.slice(0, i)
      case 'extra-segment': return `${token}.${s}`
      case 'drop-segment': return `${h}.${p}`
      case 'pad': return `${token}==`
      case 'case': return token.slice(0, i) + (token[i]?.toUpperCase() === token[i] ? token[i]?.toLowerCase() : token[i]?.toUpperCase()) + token.slice(i + 1)
      case 'alg-none': return `${b64json({ alg: 'none', typ: 'at+jwt' })}.${p}.`
      case 'alg-hs256': return `${b64json({ alg: 'HS256', typ: 'at+jwt' })}.${p}.${s}`
      case 'header-json': return `${b64json(json)}.${p}.${s}`
      case 'payload-json': return `${h}.${b64json(json)}.${s}`
      case 'empty-signature': return `${h}.${p}.`
      case 'two-tokens': return `${token}, Bearer ${token}`
      case 'whitespace-inside': return token.slice(0, i) + ' ' + token.slice(i)
    }
  })

const tokenText = fc.oneof(
  { weight: 3, arbitrary: asciiString },
  { weight: 2, arbitrary: latin1Bytes },
  { weight: 2, arbitrary: unicodeText },
  { weight: 2, arbitrary: token68ish },
  { weight: 2, arbitrary: punctuated },
  { weight: 5, arbitrary: nearValidJWT },
)

// --- whole header values -----------------------------------------------------------------------

const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'DPoP', 'dpop', 'Basic', 'Negotiate', 'Bearer,', 'Bear er', '', '"Bearer"')
const separator = fc.constantFrom(' ', '  ', '\t', '', ',', ' \t ', '=')
const hugeValue = fc
  .tuple(fc.integer({ min: 8_000, max: 15_000 }), fc.constantFrom('A', 'a.b', '=', ' ', ',', 'é'), fc.constantFrom('Bearer ', 'DPoP ', ''))
  .map(([length, unit, prefix]) => prefix + utf8AsLatin1(unit.repeat(Math.ceil(length / unit.length))).slice(0, length))

const headerValue = fc
  .oneof(
    { weight: 6, arbitrary: fc.tuple(scheme, separator, tokenText).map(([s, sep, t]) => `${s}${sep}${t}`) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER'), nearValidJWT).map(([s, t]) => `${s} ${t}`) },
    { weight: 2, arbitrary: asciiString },
    { weight: 1, arbitrary: latin1Bytes },
    { weight: 1, arbitrary: unicodeText },
    { weight: 1, arbitrary: hugeValue },
  )
  .filter((value) => isSendable(value) && !carriesGenuineToken(value))

/** One Authorization header, or several. */
const authorization = fc.oneof(
  { weight: 5, arbitrary: headerValue },
  { weight: 1, arbitrary: fc.array(headerValue, { minLength: 2, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...['0', '1', '2']), headerValue).map(([i, v]) => [`Bearer ${validTokens[Number(i)]}`, v]) },
)
/** Sometimes a `DPoP` header too (one or two), so DPoP-scheme values reach the proof checks. */
const dpop = fc.option(
  fc.oneof(
    asciiString.filter(isSendable),
    nearValidJWT,
    fc.array(nearValidJWT, { minLength: 2, maxLength: 2 }),
  ),
  { nil: undefined, freq: 3 },
)
const path = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/resource') },
  { weight: 1, arbitrary: fc.constantFrom('/resource?access_token=abc', '/resource?access_token', '/resource?x=%ZZ&access_token=%') },
)

describe.each(expressVersions)('arbitrary Authorization headers on $name', ({ express }) => {
  let server: Served
  let route: { count: number }
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  beforeAll(async () => {
    const built = protectedApp(express, [guard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })])
    route = built.route
    server = await serve(built.app)
  })
  afterAll(async () => {
    agent.destroy()
    await server.close()
  })

  it(`answers 400/401/431 and never runs the route (${RUNS_PER_VERSION} requests)`, { timeout: 60_000 }, async () => {
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(authorization, dpop, path, async (value, proof, target) => {
        const headers = proof === undefined ? { authorization: value } : { authorization: value, dpop: proof }
        const reply = await send(`${server.origin}${target}`, { headers, agent })
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
        expect(ALLOWED_STATUSES).toContain(reply.status)
        if (reply.status !== 431) expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
        expect(route.count).toBe(0)
      }),
      { numRuns: RUNS_PER_VERSION },
    )
    // The generators reach both refusals the guard gives itself.
    expect(statuses.get(400)).toBeGreaterThan(0)
    expect(statuses.get(401)).toBeGreaterThan(0)
  })
})
