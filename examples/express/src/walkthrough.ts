import {
  createFapiAuthorizationServer,
  createTestCertificate,
  type FapiAuthorizationServer,
  type FapiFlowStage,
  type FapiTokens,
  type TestCertificate,
} from '@fapi-guard/testing'
import { generateKeyPair, type KeyPair } from 'dpop'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startAuthorizationServer, type AuthorizationServer } from './authorization-server.js'
import { callAPI, proofFor, requestToken, type APIResponse } from './client.js'
import { CERTIFICATE_HEADER, startAPIBehindProxy } from './server-behind-proxy.js'
import { startAPI, type RunningAPI } from './server.js'

/** What a scenario should get: a status and, for refusals, the `error` of the challenge (`null`: none). */
export interface Outcome {
  readonly status: number
  readonly error?: string | null
}

/** One scenario of the walkthrough and what came back. */
export interface ScenarioResult {
  readonly title: string
  readonly expected: Outcome
  readonly got: Outcome
  readonly wwwAuthenticate: string | undefined
  readonly ok: boolean
  /** Why the API should answer so. */
  readonly because: string
}

/** Everything the walkthrough runs: the authorization server, the API two ways, and the client's keys and certificates. */
export interface Environment {
  readonly as: AuthorizationServer
  /** oidc-provider again, as a FAPI 2.0 / FAPI 1.0 Advanced authorization server (authorization code flow, over HTTPS). */
  readonly fapi: FapiAuthorizationServer
  /** The API over HTTPS, asking for client certificates. */
  readonly api: RunningAPI
  /** The same API behind a TLS-terminating proxy: plain HTTP on loopback. */
  readonly proxied: RunningAPI
  /** The API's own TLS certificate (the CA a client trusts). */
  readonly serverCertificate: TestCertificate
  /** The certificate the `mtls` client is registered with. */
  readonly clientCertificate: TestCertificate
  /** A certificate of somebody else. */
  readonly otherCertificate: TestCertificate
  close(): Promise<void>
}

/** Starts oidc-provider (twice: client_credentials, and FAPI code flows), the API over HTTPS and the API behind a proxy, all on 127.0.0.1 with ephemeral ports. */
export async function startEnvironment(options: { accessTokenTTL?: number; ports?: { as?: number; api?: number; proxied?: number } } = {}): Promise<Environment> {
  const audience = 'https://api.example.test'
  const serverCertificate = createTestCertificate('localhost')
  const clientCertificate = createTestCertificate('client')
  const otherCertificate = createTestCertificate('another-client')
  const as = await startAuthorizationServer({
    audience,
    clientCertificate,
    ...(options.accessTokenTTL !== undefined && { accessTokenTTL: options.accessTokenTTL }),
    ...(options.ports?.as !== undefined && { port: options.ports.as }),
  })
  const fapi = await createFapiAuthorizationServer({ audience, ...(options.accessTokenTTL !== undefined && { accessTokenTTL: options.accessTokenTTL }) })
  const apiOptions = { issuer: as.issuer, audience, introspection: as.clients.resourceServer }
  // The HTTPS API also takes the FAPI server's tokens; its keys are discovered through a fetch that trusts that server's certificate.
  const api = await startAPI({
    ...apiOptions,
    moreIssuers: [fapi.issuer],
    fetch: fapi.fetch,
    tls: serverCertificate,
    ...(options.ports?.api !== undefined && { port: options.ports.api }),
  })
  const proxied = await startAPIBehindProxy({ ...apiOptions, ...(options.ports?.proxied !== undefined && { port: options.ports.proxied }) })
  return {
    as,
    fapi,
    api,
    proxied,
    serverCertificate,
    clientCertificate,
    otherCertificate,
    async close() {
      await proxied.close()
      await api.close()
      await fapi.close()
      await as.close()
    },
  }
}

interface Scenario {
  readonly title: string
  readonly expected: Outcome
  readonly because: string
  readonly send: () => Promise<APIResponse>
}

/** The `error` of a `WWW-Authenticate` challenge, `null` when it has none. */
export function challengeError(wwwAuthenticate: string | undefined): string | null {
  return wwwAuthenticate === undefined ? null : (/\berror="([^"]*)"/.exec(wwwAuthenticate)?.[1] ?? null)
}

function header(response: APIResponse, name: string): string | undefined {
  const value = response.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** Tokens the scripted client gets from the authorization server before it calls the API. */
interface Tokens {
  readonly dpopKey: KeyPair
  /** DPoP-bound JWT with `accounts:read payments:write`. */
  readonly dpop: string
  /** Certificate-bound JWT with `accounts:read`. */
  readonly mtls: string
  /** Certificate-bound JWT with only `profile`. */
  readonly narrow: string
  /** Opaque token, DPoP-bound, with `accounts:read`. */
  readonly opaque: string
  /** How often the authorization server asked for its DPoP nonce first. */
  readonly asNonceChallenges: number
}

async function getTokens(env: Environment): Promise<Tokens> {
  const { as } = env
  const dpopKey = await generateKeyPair('ES256')
  const dpop = await requestToken({
    tokenEndpoint: as.tokenEndpoint,
    client: as.clients.dpop,
    scope: 'accounts:read payments:write',
    resource: as.audience,
    dpopKey,
  })
  const mtls = await requestToken({
    tokenEndpoint: as.tokenEndpoint,
    client: as.clients.mtls,
    scope: 'accounts:read',
    resource: as.audience,
    certificate: env.clientCertificate.cert,
  })
  const narrow = await requestToken({
    tokenEndpoint: as.tokenEndpoint,
    client: as.clients.mtls,
    scope: 'profile',
    resource: as.audience,
    certificate: env.clientCertificate.cert,
  })
  const opaque = await requestToken({
    tokenEndpoint: as.tokenEndpoint,
    client: as.clients.opaque,
    scope: 'accounts:read',
    resource: as.audience,
    dpopKey,
  })
  return {
    dpopKey,
    dpop: dpop.access_token,
    mtls: mtls.access_token,
    narrow: narrow.access_token,
    opaque: opaque.access_token,
    asNonceChallenges: dpop.nonceChallenges + opaque.nonceChallenges,
  }
}

/** A line of the FAPI flows as it happens: which flow, and the stage. */
export interface FlowStage {
  readonly flow: string
  /** `client`: the flow starts (its profile and client); the rest are `FapiFlowStage` stages. */
  readonly stage: FapiFlowStage['stage'] | 'client'
  readonly detail: string
}

/** Tokens from the authorization code flows at the FAPI authorization server. */
interface FlowTokens {
  /** FAPI 2.0: PAR, PKCE, private_key_jwt, DPoP-bound, `accounts:read payments:write`. */
  readonly fapi2DPoP: FapiTokens
  /** FAPI 2.0: PAR, PKCE, tls_client_auth, certificate-bound, `accounts:read`. */
  readonly fapi2Mtls: FapiTokens
  /** FAPI 1.0 Advanced: JAR by value, JARM, private_key_jwt, certificate-bound, `accounts:read`. */
  readonly fapi1ByValue: FapiTokens
  /** FAPI 1.0 Advanced: JAR pushed by PAR, JARM, tls_client_auth, certificate-bound, `accounts:read`. */
  readonly fapi1Pushed: FapiTokens
}

/** The FAPI flows, each announced before it runs and its stages reported as they happen. */
export const FLOWS = [
  { name: 'FAPI 2.0, DPoP-bound', title: 'FAPI 2.0 Security Profile: PAR, PKCE S256, private_key_jwt, DPoP-bound token' },
  { name: 'FAPI 2.0, certificate-bound', title: 'FAPI 2.0 Security Profile: PAR, PKCE S256, tls_client_auth, certificate-bound token' },
  { name: 'FAPI 1.0, JAR by value', title: 'FAPI 1.0 Advanced: request object by value (JAR), JARM, private_key_jwt, certificate-bound token' },
  { name: 'FAPI 1.0, JAR by PAR', title: 'FAPI 1.0 Advanced: request object pushed by PAR (JAR), JARM, tls_client_auth, certificate-bound token' },
] as const

async function runFlows(env: Environment, onStage: (stage: FlowStage) => void): Promise<FlowTokens> {
  const { fapi } = env
  const run = async (index: number, client: Promise<Awaited<ReturnType<FapiAuthorizationServer['registerClient']>>>, scope: string) => {
    const flow = FLOWS[index] as (typeof FLOWS)[number]
    const registered = await client
    onStage({ flow: flow.name, stage: 'client', detail: `${flow.title} (client ${registered.clientId})` })
    return registered.authorize({ scope, onStage: (stage) => onStage({ flow: flow.name, ...stage }) })
  }
  const fapi2DPoP = await run(0, fapi.registerClient({ profile: 'fapi2', binding: 'dpop', authentication: 'private_key_jwt' }), 'accounts:read payments:write')
  const fapi2Mtls = await run(1, fapi.registerClient({ profile: 'fapi2', binding: 'mtls', authentication: 'tls_client_auth' }), 'accounts:read')
  const fapi1ByValue = await run(2, fapi.registerClient({ profile: 'fapi1-advanced', requestObject: 'by-value', authentication: 'private_key_jwt' }), 'accounts:read')
  const fapi1Pushed = await run(3, fapi.registerClient({ profile: 'fapi1-advanced', requestObject: 'pushed', authentication: 'tls_client_auth' }), 'accounts:read')
  return { fapi2DPoP, fapi2Mtls, fapi1ByValue, fapi1Pushed }
}

/** What each code-flow token gets at the API: accepted with its binding; refused replayed, stolen, unbound or short of scope. */
function flowScenarios(env: Environment, flows: FlowTokens): Scenario[] {
  const accounts = `${env.api.origin}/accounts`
  const payments = `${env.api.origin}/payments`
  const ca = env.serverCertificate.cert
  const tls = ({ certificate }: FapiTokens) => ({ cert: certificate.cert, key: certificate.key })
  const { fapi2DPoP, fapi2Mtls, fapi1ByValue, fapi1Pushed } = flows
  const dpopKey = fapi2DPoP.dpopKey
  if (dpopKey === undefined) throw new Error('the FAPI 2.0 DPoP flow returned no DPoP key')
  let replayable: string | undefined
  return [
    {
      title: 'FAPI 2.0 code flow: DPoP-bound token with its proof',
      expected: { status: 200 },
      because: 'the token came by PAR + PKCE + private_key_jwt, bound at PAR to this key; the proof is fresh',
      async send() {
        replayable = await proofFor(dpopKey, 'GET', accounts, fapi2DPoP.accessToken)
        return callAPI({ url: accounts, ca, headers: { authorization: `DPoP ${fapi2DPoP.accessToken}`, dpop: replayable } })
      },
    },
    {
      title: 'FAPI 2.0 code flow: the same proof replayed',
      expected: { status: 401, error: 'invalid_dpop_proof' },
      because: 'a proof is good once',
      send: () => callAPI({ url: accounts, ca, headers: { authorization: `DPoP ${fapi2DPoP.accessToken}`, dpop: replayable ?? '' } }),
    },
    {
      title: 'FAPI 2.0 code flow: DPoP token stolen, proof by another key',
      expected: { status: 401, error: 'invalid_token' },
      because: 'the proof key is not the one in cnf.jkt',
      async send() {
        const thief = await generateKeyPair('ES256')
        const proof = await proofFor(thief, 'GET', accounts, fapi2DPoP.accessToken)
        return callAPI({ url: accounts, ca, headers: { authorization: `DPoP ${fapi2DPoP.accessToken}`, dpop: proof } })
      },
    },
    {
      title: 'FAPI 2.0 code flow: DPoP token without its proof (Bearer)',
      expected: { status: 401, error: 'invalid_token' },
      because: 'a DPoP-bound token is refused without its binding',
      send: () => callAPI({ url: accounts, ca, headers: { authorization: `Bearer ${fapi2DPoP.accessToken}` } }),
    },
    {
      title: 'FAPI 2.0 code flow: certificate-bound token, its certificate',
      expected: { status: 200 },
      because: 'the token came by PAR + PKCE + tls_client_auth, bound to the certificate the client presents',
      send: () => callAPI({ url: accounts, ca, certificate: tls(fapi2Mtls), headers: { authorization: `Bearer ${fapi2Mtls.accessToken}` } }),
    },
    {
      title: 'FAPI 2.0 code flow: certificate-bound token, stolen',
      expected: { status: 401, error: 'invalid_token' },
      because: 'the thief presents another client\'s certificate',
      send: () => callAPI({ url: accounts, ca, certificate: tls(fapi1ByValue), headers: { authorization: `Bearer ${fapi2Mtls.accessToken}` } }),
    },
    {
      title: 'FAPI 2.0 code flow: POST /payments without payments:write',
      expected: { status: 403, error: 'insufficient_scope' },
      because: 'the user consented to accounts:read only',
      send: () => callAPI({ url: payments, method: 'POST', ca, certificate: tls(fapi2Mtls), headers: { authorization: `Bearer ${fapi2Mtls.accessToken}` } }),
    },
    {
      title: 'FAPI 1.0 JAR by value + JARM: token, its certificate',
      expected: { status: 200 },
      because: 'signed request object, signed response, code exchanged over mTLS: bound to the certificate',
      send: () => callAPI({ url: accounts, ca, certificate: tls(fapi1ByValue), headers: { authorization: `Bearer ${fapi1ByValue.accessToken}` } }),
    },
    {
      title: 'FAPI 1.0 JAR by value + JARM: token, no certificate',
      expected: { status: 401, error: 'invalid_token' },
      because: 'a certificate-bound token is refused without its certificate',
      send: () => callAPI({ url: accounts, ca, headers: { authorization: `Bearer ${fapi1ByValue.accessToken}` } }),
    },
    {
      title: 'FAPI 1.0 JAR by PAR + JARM: token, its certificate',
      expected: { status: 200 },
      because: 'the request object was pushed, the client authenticated by its certificate (tls_client_auth)',
      send: () => callAPI({ url: accounts, ca, certificate: tls(fapi1Pushed), headers: { authorization: `Bearer ${fapi1Pushed.accessToken}` } }),
    },
  ]
}

function scenarios(env: Environment, tokens: Tokens): Scenario[] {
  const accounts = `${env.api.origin}/accounts`
  const payments = `${env.api.origin}/payments`
  const ca = env.serverCertificate.cert
  const client = { cert: env.clientCertificate.cert, key: env.clientCertificate.key }
  const other = { cert: env.otherCertificate.cert, key: env.otherCertificate.key }
  let replayable: string | undefined
  let nonce: string | undefined

  return [
    {
      title: 'DPoP-bound token with a fresh proof',
      expected: { status: 200 },
      because: 'the proof is signed by the key the token is bound to, for this method and URL',
      async send() {
        replayable = await proofFor(tokens.dpopKey, 'GET', accounts, tokens.dpop)
        return callAPI({ url: accounts, ca, headers: { authorization: `DPoP ${tokens.dpop}`, dpop: replayable } })
      },
    },
    {
      title: 'the same proof again (replay)',
      expected: { status: 401, error: 'invalid_dpop_proof' },
      because: 'every proof is good once: its jti is remembered',
      send: () => callAPI({ url: accounts, ca, headers: { authorization: `DPoP ${tokens.dpop}`, dpop: replayable ?? '' } }),
    },
    {
      title: 'DPoP-bound token stolen, sent as Bearer',
      expected: { status: 401, error: 'invalid_token' },
      because: 'a DPoP-bound token is refused without its proof',
      send: () => callAPI({ url: accounts, ca, headers: { authorization: `Bearer ${tokens.dpop}` } }),
    },
    {
      title: 'POST /payments, proof without the API nonce',
      expected: { status: 401, error: 'use_dpop_nonce' },
      because: 'this route wants proofs made after a nonce it issued; DPoP-Nonce carries one',
      async send() {
        const proof = await proofFor(tokens.dpopKey, 'POST', payments, tokens.dpop)
        const response = await callAPI({ url: payments, method: 'POST', ca, headers: { authorization: `DPoP ${tokens.dpop}`, dpop: proof } })
        nonce = header(response, 'dpop-nonce')
        return response
      },
    },
    {
      title: 'retry with the nonce from DPoP-Nonce',
      expected: { status: 200 },
      because: 'the new proof carries the nonce, so it was made just now',
      async send() {
        const proof = await proofFor(tokens.dpopKey, 'POST', payments, tokens.dpop, nonce)
        return callAPI({ url: payments, method: 'POST', ca, headers: { authorization: `DPoP ${tokens.dpop}`, dpop: proof } })
      },
    },
    {
      title: 'certificate-bound token, its certificate',
      expected: { status: 200 },
      because: 'the TLS client certificate is the one the token is bound to',
      send: () => callAPI({ url: accounts, ca, certificate: client, headers: { authorization: `Bearer ${tokens.mtls}` } }),
    },
    {
      title: 'certificate-bound token, another certificate',
      expected: { status: 401, error: 'invalid_token' },
      because: 'a stolen token is useless without its certificate',
      send: () => callAPI({ url: accounts, ca, certificate: other, headers: { authorization: `Bearer ${tokens.mtls}` } }),
    },
    {
      title: 'certificate-bound token, no certificate',
      expected: { status: 401, error: 'invalid_token' },
      because: 'nor without any certificate',
      send: () => callAPI({ url: accounts, ca, headers: { authorization: `Bearer ${tokens.mtls}` } }),
    },
    {
      title: 'opaque token (DPoP-bound), introspected',
      expected: { status: 200 },
      because: 'the issuer says it is active, for this API, bound to the proof key',
      async send() {
        const proof = await proofFor(tokens.dpopKey, 'GET', accounts, tokens.opaque)
        return callAPI({ url: accounts, ca, headers: { authorization: `DPoP ${tokens.opaque}`, dpop: proof } })
      },
    },
    {
      title: 'token without scope accounts:read',
      expected: { status: 403, error: 'insufficient_scope' },
      because: 'the challenge names the scope the route needs',
      send: () => callAPI({ url: accounts, ca, certificate: client, headers: { authorization: `Bearer ${tokens.narrow}` } }),
    },
    {
      title: 'no token',
      expected: { status: 401, error: null },
      because: 'the challenge tells the client how to authenticate, without an error',
      send: () => callAPI({ url: accounts, ca, certificate: client }),
    },
    {
      title: 'certificate forwarded by a trusted proxy',
      expected: { status: 200 },
      because: 'behind nginx the certificate arrives in X-SSL-Client-Cert from loopback, a trusted peer',
      send: () =>
        callAPI({
          url: `${env.proxied.origin}/accounts`,
          headers: { authorization: `Bearer ${tokens.mtls}`, [CERTIFICATE_HEADER]: encodeURIComponent(env.clientCertificate.cert) },
        }),
    },
  ]
}

function matches(expected: Outcome, got: Outcome): boolean {
  return expected.status === got.status && (expected.error === undefined || expected.error === got.error)
}

/** What the walkthrough did, for the header line. */
export interface WalkthroughRun {
  readonly results: ScenarioResult[]
  readonly issuer: string
  /** The FAPI authorization server's issuer (`https://127.0.0.1:<port>`). */
  readonly fapiIssuer: string
  /** Every stage of the FAPI flows, in order. */
  readonly stages: FlowStage[]
  /** How often oidc-provider asked the client for its DPoP nonce before issuing a token. */
  readonly asNonceChallenges: number
}

/**
 * Starts oidc-provider, the API over HTTPS and behind a proxy, gets tokens by `client_credentials`
 * (with the authorization server's own DPoP nonce dance) and by the FAPI 2.0 and FAPI 1.0 Advanced
 * authorization code flows (reported to `onStage` as they happen), runs every scenario, shuts
 * everything down and returns what each got. Prints nothing itself.
 */
export async function runWalkthrough(options: { onStage?: (stage: FlowStage) => void } = {}): Promise<WalkthroughRun> {
  const env = await startEnvironment()
  try {
    const stages: FlowStage[] = []
    const flows = await runFlows(env, (stage) => {
      stages.push(stage)
      options.onStage?.(stage)
    })
    const tokens = await getTokens(env)
    const results: ScenarioResult[] = []
    for (const scenario of [...scenarios(env, tokens), ...flowScenarios(env, flows)]) {
      const response = await scenario.send()
      const wwwAuthenticate = header(response, 'www-authenticate')
      const got: Outcome = { status: response.status, error: challengeError(wwwAuthenticate) }
      results.push({
        title: scenario.title,
        expected: scenario.expected,
        got,
        wwwAuthenticate,
        ok: matches(scenario.expected, got),
        because: scenario.because,
      })
    }
    return { results, issuer: env.as.issuer, fapiIssuer: env.fapi.issuer, stages, asNonceChallenges: tokens.asNonceChallenges }
  } finally {
    await env.close()
  }
}

/** ANSI styles, or none. */
interface Style {
  readonly good: (text: string) => string
  readonly bad: (text: string) => string
  readonly dim: (text: string) => string
  readonly bold: (text: string) => string
}

const plain: Style = { good: (text) => text, bad: (text) => text, dim: (text) => text, bold: (text) => text }
const ansi = (code: string) => (text: string) => `\x1b[${code}m${text}\x1b[0m`
const colored: Style = { good: ansi('32'), bad: ansi('31'), dim: ansi('2'), bold: ansi('1') }

/** Colors on a terminal, unless `NO_COLOR` is set; plain text when piped or in CI logs. */
export function styleFor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): Style {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') ? colored : plain
}

function describe(outcome: Outcome): string {
  return outcome.error === undefined || outcome.error === null ? String(outcome.status) : `${outcome.status} ${outcome.error}`
}

/** The results as a table, one line per scenario, then the verdict. Unexpected outcomes get their challenge and reason below. */
export function formatResults(results: readonly ScenarioResult[], style: Style = plain): string {
  const titleWidth = Math.max('scenario'.length, ...results.map((result) => result.title.length))
  const expectedWidth = Math.max('expected'.length, ...results.map((result) => describe(result.expected).length))
  const lines = [style.dim(`       ${'scenario'.padEnd(titleWidth)}  ${'expected'.padEnd(expectedWidth)}  got`)]
  results.forEach((result, index) => {
    const mark = result.ok ? style.good('✔') : style.bad('✘')
    const got = result.ok ? describe(result.got) : style.bad(describe(result.got))
    lines.push(`  ${mark} ${String(index + 1).padStart(2)} ${result.title.padEnd(titleWidth)}  ${describe(result.expected).padEnd(expectedWidth)}  ${got}`)
    if (!result.ok) {
      lines.push(style.dim(`         expected because ${result.because}`))
      if (result.wwwAuthenticate !== undefined) lines.push(style.dim(`         WWW-Authenticate: ${result.wwwAuthenticate}`))
    }
  })
  const failed = results.filter((result) => !result.ok).length
  lines.push(
    '',
    failed === 0
      ? style.good(`All ${results.length} scenarios answered as expected.`)
      : style.bad(`${failed} of ${results.length} scenarios answered unexpectedly.`),
  )
  return lines.join('\n')
}

/** One line of a FAPI flow: a heading per flow, then its stages indented. */
export function formatStage(stage: FlowStage, style: Style = plain): string {
  if (stage.stage === 'client') return `\n  ${style.bold(stage.flow)}  ${style.dim(stage.detail)}`
  const label = { par: 'PAR', authorization: 'authorize', consent: 'consent', response: 'response', token: 'token' }[stage.stage]
  return `    ${style.good('→')} ${label.padEnd(9)}  ${stage.detail}`
}

function oidcProviderVersion(): string {
  try {
    const require = createRequire(import.meta.url)
    return (require('oidc-provider/package.json') as { version: string }).version
  } catch {
    return ''
  }
}

/** What `serve` left running. */
export interface Serving {
  readonly env: Environment
  /** The folder with the tokens, proofs and certificates the commands use (removed by `close`). */
  readonly dir: string
  close(): Promise<void>
}

/**
 * `--serve`: starts everything, keeps it running and prints commands to try it by hand, with
 * tokens, proofs and certificates written to a fresh temporary folder.
 */
export async function serve(style: Style = plain, print: (text: string) => void = console.log): Promise<Serving> {
  const env = await startEnvironment({ accessTokenTTL: 3600 })
  const tokens = await getTokens(env)
  const dir = mkdtempSync(join(tmpdir(), 'fapi-guard-walkthrough-'))
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content, { mode: 0o600 })
    return join(dir, name)
  }
  const accounts = `${env.api.origin}/accounts`
  const ca = file('api-cert.pem', env.serverCertificate.cert)
  const clientCert = file('client-cert.pem', env.clientCertificate.cert)
  const clientKey = file('client-key.pem', env.clientCertificate.key)
  const otherCert = file('other-cert.pem', env.otherCertificate.cert)
  const otherKey = file('other-key.pem', env.otherCertificate.key)
  const clientCertHeader = file('client-cert.urlencoded', encodeURIComponent(env.clientCertificate.cert))
  const dpopToken = file('dpop-token', tokens.dpop)
  const mtlsToken = file('mtls-token', tokens.mtls)
  const opaqueToken = file('opaque-token', tokens.opaque)
  const proof = file('dpop-proof', await proofFor(tokens.dpopKey, 'GET', accounts, tokens.dpop))
  const opaqueProof = file('opaque-proof', await proofFor(tokens.dpopKey, 'GET', accounts, tokens.opaque))
  const curl = `curl -i --cacert ${ca}`
  const { as } = env
  const say = (...lines: string[]) => print(lines.join('\n'))
  say(
    style.bold('fapi-guard walkthrough, serving until Ctrl-C'),
    '',
    `  authorization server (oidc-provider)  ${as.issuer}   metadata: ${as.issuer}/.well-known/openid-configuration`,
    `  API over HTTPS (client certificates)  ${env.api.origin}   GET /accounts, POST /payments (DPoP nonces)`,
    `  API behind a proxy (plain HTTP)       ${env.proxied.origin}   certificate in ${CERTIFICATE_HEADER} from loopback`,
    `  files (tokens live 1 h; proofs are good once, for 5 min)  ${dir}`,
    '',
    style.dim('# DPoP-bound token with its proof → 200; run it twice: the replayed proof → 401 invalid_dpop_proof'),
    `${curl} -H "Authorization: DPoP $(cat ${dpopToken})" -H "DPoP: $(cat ${proof})" ${accounts}`,
    style.dim('# the same token as Bearer → 401 invalid_token'),
    `${curl} -H "Authorization: Bearer $(cat ${dpopToken})" ${accounts}`,
    style.dim('# certificate-bound token with its certificate → 200; with another → 401'),
    `${curl} --cert ${clientCert} --key ${clientKey} -H "Authorization: Bearer $(cat ${mtlsToken})" ${accounts}`,
    `${curl} --cert ${otherCert} --key ${otherKey} -H "Authorization: Bearer $(cat ${mtlsToken})" ${accounts}`,
    style.dim('# opaque DPoP-bound token, introspected at the authorization server → 200'),
    `${curl} -H "Authorization: DPoP $(cat ${opaqueToken})" -H "DPoP: $(cat ${opaqueProof})" ${accounts}`,
    style.dim('# the certificate as the proxy forwards it → 200'),
    `curl -i -H "Authorization: Bearer $(cat ${mtlsToken})" -H "${CERTIFICATE_HEADER}: $(cat ${clientCertHeader})" ${env.proxied.origin}/accounts`,
    style.dim('# a fresh certificate-bound token, straight from the authorization server (its proxy reports the certificate)'),
    `curl -s ${as.tokenEndpoint} -H "${CERTIFICATE_HEADER}: $(cat ${clientCertHeader})" -d grant_type=client_credentials -d client_id=${as.clients.mtls.clientId} -d scope=accounts:read -d resource=${as.audience}`,
    style.dim('# an unbound opaque token: the FAPI 2.0 API refuses it (401 invalid_token, not sender-constrained)'),
    `TOKEN=$(curl -s -u ${as.clients.opaque.clientId}:${as.clients.opaque.clientSecret} ${as.tokenEndpoint} -d grant_type=client_credentials -d scope=accounts:read | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
    `${curl} -H "Authorization: Bearer $TOKEN" ${accounts}`,
  )
  return {
    env,
    dir,
    async close() {
      rmSync(dir, { recursive: true, force: true })
      await env.close()
    },
  }
}

async function main(args: readonly string[]): Promise<void> {
  const style = styleFor(process.stdout)
  if (args.includes('--serve')) {
    const serving = await serve(style)
    const stop = () => {
      serving.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    return
  }
  const version = oidcProviderVersion()
  console.log(
    [
      style.bold('fapi-guard + Express, FAPI 2.0 profile: what the API accepts and refuses'),
      '',
      style.bold(`1. Tokens by the authorization code flow: oidc-provider${version === '' ? '' : ` ${version}`} as a FAPI authorization server, driven by openid-client`),
    ].join('\n'),
  )
  const run = await runWalkthrough({ onStage: (stage) => console.log(formatStage(stage, style)) })
  console.log(
    [
      '',
      style.bold('2. Tokens by client_credentials, then every token at the API'),
      style.dim(`authorization servers: ${run.issuer} (client_credentials), ${run.fapiIssuer} (FAPI code flows); the API finds both issuers' keys by discovery`),
      style.dim(
        `DPoP proofs by the dpop package; at the token endpoint oidc-provider answered use_dpop_nonce first ${run.asNonceChallenges} time(s), as it should`,
      ),
      '',
      formatResults(run.results, style),
    ].join('\n'),
  )
  process.exitCode = run.results.every((result) => result.ok) ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
