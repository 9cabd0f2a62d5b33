import { createLocalIssuer, createTestCertificate, type TestCertificate } from '@fapi-guard/testing'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { pathToFileURL } from 'node:url'
import { CERTIFICATE_HEADER, startAPIBehindProxy } from './server-behind-proxy.js'
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
  /** The client certificate: presented in the TLS handshake, or forwarded by the proxy. */
  readonly certificate: TestCertificate
  /**
   * `tls`: straight to the HTTPS API, the certificate in the handshake. `proxy`: to the API behind
   * an nginx-style proxy, as that proxy would send it (the certificate in `X-SSL-Client-Cert`).
   */
  readonly via: 'tls' | 'proxy'
}

interface Answer {
  readonly status: number
  readonly wwwAuthenticate: string | undefined
}

/** The running APIs: over HTTPS with the client's TLS certificate, and behind a proxy over HTTP. */
interface Targets {
  readonly tls: string
  readonly proxy: string
  readonly serverCertificate: string
}

/**
 * One request: over HTTPS with the client certificate in the handshake, trusting only the API's own
 * certificate; or, as the proxy in front of the proxied API would send it, over HTTP on loopback
 * with the certificate URL-encoded in `X-SSL-Client-Cert` (nginx `$ssl_client_escaped_cert`).
 */
function call(targets: Targets, scenario: Scenario): Promise<Answer> {
  const authorization: Record<string, string> = scenario.token === undefined ? {} : { authorization: `Bearer ${scenario.token}` }
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, wwwAuthenticate: res.headers['www-authenticate'] }))
      res.on('error', reject)
    }
    const req =
      scenario.via === 'tls'
        ? httpsRequest(
            `${targets.tls}/accounts`,
            { ca: targets.serverCertificate, cert: scenario.certificate.cert, key: scenario.certificate.key, agent: false, headers: authorization },
            onResponse,
          )
        : httpRequest(
            `${targets.proxy}/accounts`,
            { agent: false, headers: { ...authorization, [CERTIFICATE_HEADER]: encodeURIComponent(scenario.certificate.cert) } },
            onResponse,
          )
    req.on('error', reject)
    req.end()
  })
}

/**
 * Starts a local issuer, the API (HTTPS, ephemeral loopback port) and the same API in its
 * behind-a-proxy mode (HTTP on loopback), makes the five requests, shuts everything down and returns
 * what each request got. Prints nothing.
 */
export async function runWalkthrough(): Promise<ScenarioResult[]> {
  const issuer = await createLocalIssuer()
  const serverCertificate = createTestCertificate('localhost')
  const api = await startAPI({ issuer: issuer.issuer, audience: issuer.audience, tls: serverCertificate })
  const proxied = await startAPIBehindProxy({ issuer: issuer.issuer, audience: issuer.audience })
  try {
    const targets: Targets = { tls: api.origin, proxy: proxied.origin, serverCertificate: serverCertificate.cert }
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
        via: 'tls',
      },
      {
        title: 'same token, another client certificate',
        expected: 401,
        because: 'a stolen token is useless without its certificate',
        token,
        certificate: other,
        via: 'tls',
      },
      {
        title: 'no token',
        expected: 401,
        because: 'the challenge tells the client how to authenticate',
        token: undefined,
        certificate: client,
        via: 'tls',
      },
      {
        title: 'token without scope accounts:read',
        expected: 403,
        because: 'the challenge names the scope the route needs',
        token: narrowToken,
        certificate: client,
        via: 'tls',
      },
      {
        title: 'same token, certificate forwarded by a trusted proxy',
        expected: 200,
        because: 'behind nginx the certificate arrives in X-SSL-Client-Cert from loopback, a trusted peer',
        token,
        certificate: client,
        via: 'proxy',
      },
    ]

    const results: ScenarioResult[] = []
    for (const scenario of scenarios) {
      const answer = await call(targets, scenario)
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
    await proxied.close()
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
