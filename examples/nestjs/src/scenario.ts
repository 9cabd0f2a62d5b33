import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { createDPoPKey, createDPoPProof, createLocalIssuer } from '@fapi-guard/testing'
import type { AddressInfo } from 'node:net'
import { AppModule } from './app.module.js'

/** One request of the scenario and what came back. */
export interface ScenarioResult {
  readonly title: string
  readonly expected: number
  readonly status: number
  readonly wwwAuthenticate: string | null
  readonly body: unknown
  readonly ok: boolean
}

/**
 * Starts a local issuer and the Nest application (platform-express, loopback, random port), sends
 * two requests to `GET /accounts` with DPoP-bound tokens — one with scope `accounts:read`, one
 * without — shuts both down and returns what came back. Prints nothing.
 */
export async function runScenario(): Promise<ScenarioResult[]> {
  const issuer = await createLocalIssuer()
  const app = await NestFactory.create(AppModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience }), new ExpressAdapter(), {
    logger: false,
  })
  try {
    await app.listen(0, '127.0.0.1')
    const { port } = (app.getHttpServer() as { address(): AddressInfo }).address()
    const url = `http://127.0.0.1:${port}/accounts`
    const key = await createDPoPKey('ES256')

    const call = async (title: string, expected: number, scope: string): Promise<ScenarioResult> => {
      const token = await issuer.mint({ scope, cnf: { jkt: key.thumbprint } })
      const proof = await createDPoPProof({ key, method: 'GET', url, accessToken: token })
      const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } })
      const body: unknown = await response.json()
      return { title, expected, status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), body, ok: response.status === expected }
    }

    return [
      await call('DPoP-bound token with scope accounts:read', 200, 'accounts:read'),
      await call('DPoP-bound token without scope accounts:read', 403, 'profile'),
    ]
  } finally {
    await app.close()
    await issuer.close()
  }
}

/** The results as text, one block per request. */
export function formatResults(results: readonly ScenarioResult[]): string {
  const lines: string[] = []
  for (const result of results) {
    lines.push(`GET /accounts — ${result.title}`)
    lines.push(`  → ${result.status} (expected ${result.expected})${result.ok ? '' : '  ✗ UNEXPECTED'}`)
    if (result.wwwAuthenticate !== null) lines.push(`  WWW-Authenticate: ${result.wwwAuthenticate}`)
    lines.push(`  ${JSON.stringify(result.body)}`)
  }
  const failed = results.filter((result) => !result.ok).length
  lines.push(failed === 0 ? `All ${results.length} requests answered as expected.` : `${failed} of ${results.length} requests answered unexpectedly.`)
  return lines.join('\n')
}
