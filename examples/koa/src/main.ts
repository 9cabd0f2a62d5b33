import { createDPoPKey, createDPoPProof, createLocalIssuer } from '@fapi-guard/testing'
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

/**
 * Starts a local issuer and the API on loopback, makes a client DPoP key and a token bound to it,
 * then sends two requests: with a fresh DPoP proof (accepted), and the very same request again, as
 * someone who captured it would replay it (refused: a proof is good once). Shuts everything down and
 * returns what each request got. Prints nothing.
 */
export async function runExample(): Promise<ExampleResult[]> {
  const issuer = await createLocalIssuer()
  const api = await startAPI({ issuer: issuer.issuer, audience: issuer.audience })
  try {
    const key = await createDPoPKey()
    const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
    const url = `${api.origin}/accounts`
    const headers = { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }) }

    const results: ExampleResult[] = []
    for (const [title, expected] of [
      ['DPoP-bound token with a fresh proof', 200],
      ['the same request replayed', 401],
    ] as const) {
      const response = await fetch(url, { headers })
      results.push({
        title,
        expected,
        status: response.status,
        wwwAuthenticate: response.headers.get('www-authenticate') ?? undefined,
        body: await response.json(),
      })
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
  console.log('fapi-guard + Koa: GET /accounts needs a DPoP-bound token with scope accounts:read (FAPI 2.0)\n')
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
