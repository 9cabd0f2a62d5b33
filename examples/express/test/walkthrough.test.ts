import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { challengeError, FLOWS, formatResults, formatStage, runWalkthrough, serve, styleFor, type FlowStage } from '../src/walkthrough.js'

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('the Express walkthrough (npm start)', () => {
  it('gives every scenario its expected outcome, against oidc-provider', async () => {
    const run = await runWalkthrough()
    expect(run.results.map((result) => [result.title, result.got.status, result.got.error])).toEqual([
      ['DPoP-bound token with a fresh proof', 200, null],
      ['the same proof again (replay)', 401, 'invalid_dpop_proof'],
      ['DPoP-bound token stolen, sent as Bearer', 401, 'invalid_token'],
      ['POST /payments, proof without the API nonce', 401, 'use_dpop_nonce'],
      ['retry with the nonce from DPoP-Nonce', 200, null],
      ['certificate-bound token, its certificate', 200, null],
      ['certificate-bound token, another certificate', 401, 'invalid_token'],
      ['certificate-bound token, no certificate', 401, 'invalid_token'],
      ['opaque token (DPoP-bound), introspected', 200, null],
      ['token without scope accounts:read', 403, 'insufficient_scope'],
      ['no token', 401, null],
      ['certificate forwarded by a trusted proxy', 200, null],
      ['FAPI 2.0 code flow: DPoP-bound token with its proof', 200, null],
      ['FAPI 2.0 code flow: the same proof replayed', 401, 'invalid_dpop_proof'],
      ['FAPI 2.0 code flow: DPoP token stolen, proof by another key', 401, 'invalid_token'],
      ['FAPI 2.0 code flow: DPoP token without its proof (Bearer)', 401, 'invalid_token'],
      ['FAPI 2.0 code flow: certificate-bound token, its certificate', 200, null],
      ['FAPI 2.0 code flow: certificate-bound token, stolen', 401, 'invalid_token'],
      ['FAPI 2.0 code flow: POST /payments without payments:write', 403, 'insufficient_scope'],
      ['FAPI 1.0 JAR by value + JARM: token, its certificate', 200, null],
      ['FAPI 1.0 JAR by value + JARM: token, no certificate', 401, 'invalid_token'],
      ['FAPI 1.0 JAR by PAR + JARM: token, its certificate', 200, null],
    ])
    for (const result of run.results) expect(result.ok, result.title).toBe(true)
    // oidc-provider made the client fetch its DPoP nonce for each DPoP token request.
    expect(run.asNonceChallenges).toBe(2)
    expect(run.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(run.fapiIssuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)

    // Each flow reported its stages in order: PAR (or JAR by value), authorization, consent, the response, the code exchange.
    const stagesOf = (flow: string) => run.stages.filter((stage) => stage.flow === flow).map((stage) => stage.stage)
    for (const flow of FLOWS) expect(stagesOf(flow.name), flow.name).toEqual(['client', 'par', 'authorization', 'consent', 'response', 'token'])
    const detail = (flow: string, stage: string) => run.stages.find((line) => line.flow === flow && line.stage === stage)?.detail ?? ''
    expect(detail('FAPI 2.0, DPoP-bound', 'par')).toMatch(/request_uri urn:ietf:params:oauth:request_uri:/)
    expect(detail('FAPI 2.0, DPoP-bound', 'token')).toMatch(/private_key_jwt and a DPoP proof → DPoP token .*cnf=\{"jkt":/)
    expect(detail('FAPI 2.0, certificate-bound', 'token')).toMatch(/tls_client_auth over mTLS → Bearer token .*cnf=\{"x5t#S256":/)
    expect(detail('FAPI 1.0, JAR by value', 'authorization')).toBe('GET /auth?request&client_id')
    expect(detail('FAPI 1.0, JAR by PAR', 'authorization')).toBe('GET /auth?request_uri&client_id')
    expect(detail('FAPI 1.0, JAR by value', 'response')).toMatch(/^JARM: response JWT ES256/)
    expect(detail('FAPI 2.0, DPoP-bound', 'consent')).toBe('granted automatically (alice: accounts:read payments:write)')
    // Tokens are shown shortened, never whole.
    for (const stage of run.stages) expect(stage.detail).not.toMatch(/eyJ[\w-]{20,}\.[\w-]+\.[\w-]+/)
    expect(formatStage(run.stages[0] as FlowStage)).toContain('FAPI 2.0, DPoP-bound')

    const noToken = run.results.find((result) => result.title === 'no token')
    expect(noToken?.wwwAuthenticate).toMatch(/^Bearer realm="api"/)
    const narrow = run.results.find((result) => result.title === 'token without scope accounts:read')
    expect(narrow?.wwwAuthenticate).toContain('scope="accounts:read"')

    const table = formatResults(run.results)
    expect(table).toContain('All 22 scenarios answered as expected.')
    expect(table.split('\n').filter((line) => line.startsWith('  ✔'))).toHaveLength(22)
    expect(table).not.toContain('\x1b[')
  })

  it('says which scenarios went wrong, with the challenge, and colors only on a terminal', () => {
    const results = [
      {
        title: 'a scenario',
        expected: { status: 200 },
        got: { status: 401, error: 'invalid_token' },
        wwwAuthenticate: 'Bearer realm="api", error="invalid_token"',
        ok: false,
        because: 'it should pass',
      },
    ]
    const table = formatResults(results)
    expect(table).toContain('✘')
    expect(table).toContain('401 invalid_token')
    expect(table).toContain('WWW-Authenticate: Bearer realm="api", error="invalid_token"')
    expect(table).toContain('1 of 1 scenarios answered unexpectedly.')
    expect(formatResults(results, styleFor({ isTTY: true }, {}))).toContain('\x1b[31m')
    expect(formatResults(results, styleFor({ isTTY: true }, { NO_COLOR: '1' }))).not.toContain('\x1b[')
    expect(formatResults(results, styleFor({ isTTY: false }, {}))).not.toContain('\x1b[')
  })

  it('reads the error of a challenge', () => {
    expect(challengeError(undefined)).toBeNull()
    expect(challengeError('Bearer realm="api"')).toBeNull()
    expect(challengeError('Bearer realm="api", DPoP error="use_dpop_nonce", algs="ES256"')).toBe('use_dpop_nonce')
  })
})

describe('npm start -- --serve', () => {
  it('prints commands that work when pasted into a shell', async () => {
    let output = ''
    const serving = await serve(undefined, (text) => {
      output += `${text}\n`
    })
    try {
      const commands = output.split('\n').filter((line) => line.startsWith('curl ') || line.startsWith('TOKEN='))
      expect(commands.length).toBeGreaterThanOrEqual(8)
      expect(output).toContain(serving.dir)
      if (!hasCurl()) return
      // Asynchronously: the servers answer from this very process.
      const run = async (command: string) => (await promisify(execFile)('bash', ['-c', command], { encoding: 'utf8', timeout: 10_000 })).stdout
      const status = async (command: string) => /^HTTP\/[\d.]+ (\d+)/.exec(await run(command))?.[1]
      const [dpop, asBearer, mtls, otherCertificate, opaque, proxied] = commands
      expect(await status(dpop as string)).toBe('200')
      expect(await status(dpop as string)).toBe('401') // the same proof again
      expect(await status(asBearer as string)).toBe('401')
      expect(await status(mtls as string)).toBe('200')
      expect(await status(otherCertificate as string)).toBe('401')
      expect(await status(opaque as string)).toBe('200')
      expect(await status(proxied as string)).toBe('200')
      const token = JSON.parse(await run(commands[6] as string)) as { access_token: string; token_type: string }
      expect(token.token_type).toBe('Bearer')
      expect(await status(`${commands[7]}\n${commands[8]}`)).toBe('401')
    } finally {
      await serving.close()
    }
  })
})
