import { createDPoPKey, createDPoPProof, createLocalIssuer, createTestCertificate } from '@fapi-guard/testing'
import { pathToFileURL } from 'node:url'
import { accountsEvent } from './api-gateway-event.js'
import { createFetchHandler } from './fetch-handler.js'
import { createLambdaHandler } from './lambda-handler.js'
import { serveFetchHandler } from './serve-fetch-handler.js'

/** One request of the example and what came back. */
export interface ExampleResult {
  readonly title: string
  readonly expected: number
  readonly status: number
  readonly wwwAuthenticate: string | undefined
  readonly body: unknown
}

/**
 * Starts a local issuer, then:
 * - serves the Fetch handler with `node:http` and sends a DPoP-bound token with a fresh proof
 *   (accepted), then the same token with no proof, as a thief of the token alone would (refused);
 * - calls the Lambda handler with API Gateway events: a certificate-bound token with its client
 *   certificate (accepted), then with another certificate (refused).
 * Shuts everything down and returns what each request got. Prints nothing.
 */
export async function runExample(): Promise<ExampleResult[]> {
  const issuer = await createLocalIssuer()
  const options = { issuer: issuer.issuer, audience: issuer.audience }
  const results: ExampleResult[] = []
  try {
    // Fetch handler, served on loopback.
    const server = await serveFetchHandler(createFetchHandler(options))
    try {
      const key = await createDPoPKey()
      const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
      const url = `${server.origin}/accounts`
      const requests = [
        ['Fetch handler: DPoP-bound token with a fresh proof', 200, { dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }) }],
        ['Fetch handler: the same token without a proof', 401, {}],
      ] as const
      for (const [title, expected, extra] of requests) {
        const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, ...extra } })
        const wwwAuthenticate = response.headers.get('www-authenticate') ?? undefined
        results.push({ title, expected, status: response.status, wwwAuthenticate, body: await response.json() })
      }
    } finally {
      await server.close()
    }

    // Lambda handler, called with API Gateway events.
    const handle = createLambdaHandler(options)
    const client = createTestCertificate('client')
    const thief = createTestCertificate('thief')
    const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { 'x5t#S256': client.thumbprint } })
    const events = [
      ['Lambda handler: certificate-bound token with its certificate', 200, client.cert],
      ['Lambda handler: the same token with another certificate', 401, thief.cert],
    ] as const
    for (const [title, expected, clientCertPem] of events) {
      const result = await handle(accountsEvent({ authorization: `Bearer ${token}`, clientCertPem }))
      results.push({ title, expected, status: result.statusCode, wwwAuthenticate: result.headers['www-authenticate'], body: JSON.parse(result.body) as unknown })
    }
    return results
  } finally {
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
  console.log('fapi-guard without a framework: GET /accounts needs a sender-constrained token with scope accounts:read (FAPI 2.0)\n')
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
