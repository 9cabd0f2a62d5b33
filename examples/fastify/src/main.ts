import { createLocalIssuer, createTestCertificate, type TestCertificate } from '@fapi-guard/testing'
import { request } from 'node:https'
import { pathToFileURL } from 'node:url'
import { startAPI } from './server.js'

/** One request of the example and what came back. */
export interface ExampleResult {
  readonly title: string
  readonly expected: number
  readonly status: number
  readonly wwwAuthenticate: string | undefined
  readonly body: unknown
}

/** GET over HTTPS with a client certificate in the handshake, trusting only the API's own certificate. */
function get(url: string, token: string, certificate: TestCertificate, ca: string): Promise<Omit<ExampleResult, 'title' | 'expected'>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, cert: certificate.cert, key: certificate.key, agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          wwwAuthenticate: res.headers['www-authenticate'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * Starts a local issuer and the API over HTTPS on loopback, makes a client certificate and a token
 * bound to it, then sends two requests: with that certificate (accepted), and the same token with
 * another certificate, as a thief of the token would (refused). Shuts everything down and returns
 * what each request got. Prints nothing.
 */
export async function runExample(): Promise<ExampleResult[]> {
  const issuer = await createLocalIssuer()
  const serverCertificate = createTestCertificate('localhost')
  const api = await startAPI({ issuer: issuer.issuer, audience: issuer.audience, tls: serverCertificate })
  try {
    const client = createTestCertificate('client')
    const thief = createTestCertificate('thief')
    const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { 'x5t#S256': client.thumbprint } })
    const url = `${api.origin}/accounts`
    const results: ExampleResult[] = []
    for (const [title, expected, certificate] of [
      ['certificate-bound token with its certificate', 200, client],
      ['the same token with another certificate', 401, thief],
    ] as const) {
      results.push({ title, expected, ...(await get(url, token, certificate, serverCertificate.cert)) })
    }
    return results
  } finally {
    await api.close()
    await issuer.close()
  }
}

/** The results as plain text, one block per request. */
export function formatResults(results: readonly ExampleResult[]): string {
  return results
    .map((result) => {
      const lines = [`${result.title}: ${result.status} (expected ${result.expected})`, `  body: ${JSON.stringify(result.body)}`]
      if (result.wwwAuthenticate !== undefined) lines.push(`  WWW-Authenticate: ${result.wwwAuthenticate}`)
      return lines.join('\n')
    })
    .join('\n')
}

async function main(): Promise<void> {
  console.log('fapi-guard + Fastify: GET /accounts needs a certificate-bound token with scope accounts:read (FAPI 2.0)\n')
  const results = await runExample()
  console.log(formatResults(results))
  process.exitCode = results.every((result) => result.status === result.expected) ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
