import { createLocalIssuer, createTestCertificate, type TestCertificate } from '@fapi-guard/testing'
import { request } from 'node:https'
import { pathToFileURL } from 'node:url'
import { startAPI } from './server.js'

/** One request of the walkthrough and what came back. */
export interface ScenarioResult {
  readonly title: string
  readonly expected: number
  readonly status: number
  readonly wwwAuthenticate: string | undefined
  readonly ok: boolean
  /** One line: what happened and why. */
  readonly verdict: string
}

interface Scenario {
  readonly title: string
  readonly expected: number
  /** Why the API should answer `expected`. */
  readonly because: string
  readonly token: string | undefined
  /** The client certificate presented in the TLS handshake. */
  readonly certificate: TestCertificate
}

interface Answer {
  readonly status: number
  readonly wwwAuthenticate: string | undefined
}

/** One HTTPS request with a client certificate, trusting only the API's own certificate. */
function call(url: string, scenario: Scenario, serverCertificate: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: serverCertificate,
        cert: scenario.certificate.cert,
        key: scenario.certificate.key,
        agent: false,
        headers: scenario.token === undefined ? {} : { authorization: `Bearer ${scenario.token}` },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, wwwAuthenticate: res.headers['www-authenticate'] }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/**
 * Starts a local issuer and the API (HTTPS, ephemeral loopback port), makes the four requests,
 * shuts both down and returns what each request got. Prints nothing.
 */
export async function runWalkthrough(): Promise<ScenarioResult[]> {
  const issuer = await createLocalIssuer()
  const serverCertificate = createTestCertificate('localhost')
  const api = await startAPI({ issuer: issuer.issuer, audience: issuer.audience, tls: serverCertificate })
  try {
    const client = createTestCertificate('client')
    const other = createTestCertificate('another-client')
    const bound = { 'x5t#S256': client.thumbprint }
    const token = await issuer.mint({ scope: 'accounts:read', cnf: bound })
    const narrowToken = await issuer.mint({ scope: 'profile', cnf: bound })

    const scenarios: Scenario[] = [
      {
        title: 'certificate-bound token, with its certificate',
        expected: 200,
        because: 'the certificate is the one the token is bound to',
        token,
        certificate: client,
      },
      {
        title: 'same token, another client certificate',
        expected: 401,
        because: 'a stolen token is useless without its certificate',
        token,
        certificate: other,
      },
      {
        title: 'no token',
        expected: 401,
        because: 'the challenge tells the client how to authenticate',
        token: undefined,
        certificate: client,
      },
      {
        title: 'token without scope accounts:read',
        expected: 403,
        because: 'the challenge names the scope the route needs',
        token: narrowToken,
        certificate: client,
      },
    ]

    const results: ScenarioResult[] = []
    for (const scenario of scenarios) {
      const answer = await call(`${api.origin}/accounts`, scenario, serverCertificate.cert)
      const ok = answer.status === scenario.expected
      results.push({
        title: scenario.title,
        expected: scenario.expected,
        status: answer.status,
        wwwAuthenticate: answer.wwwAuthenticate,
        ok,
        verdict: ok ? `as expected: ${scenario.because}` : `UNEXPECTED: wanted ${scenario.expected}, got ${answer.status}`,
      })
    }
    return results
  } finally {
    await api.close()
    await issuer.close()
  }
}

/** The results as a small plain-text table, one block per request. */
export function formatResults(results: readonly ScenarioResult[]): string {
  const width = Math.max(...results.map((result) => result.title.length))
  const lines = [`   ${'request'.padEnd(width)}  expected  status`]
  results.forEach((result, index) => {
    lines.push(`${index + 1}. ${result.title.padEnd(width)}  ${String(result.expected).padEnd(8)}  ${result.status}`)
    if (result.wwwAuthenticate !== undefined) lines.push(`   WWW-Authenticate: ${result.wwwAuthenticate}`)
    lines.push(`   ${result.ok ? '✔' : '✘'} ${result.verdict}`, '')
  })
  const failed = results.filter((result) => !result.ok).length
  lines.push(failed === 0 ? `All ${results.length} requests answered as expected.` : `${failed} of ${results.length} requests answered unexpectedly.`)
  return lines.join('\n')
}

async function main(): Promise<void> {
  console.log('fapi-guard + Express: GET /accounts needs a certificate-bound token with scope accounts:read (FAPI 2.0)\n')
  const results = await runWalkthrough()
  console.log(formatResults(results))
  process.exitCode = results.every((result) => result.ok) ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
