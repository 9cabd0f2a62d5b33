import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { createApp } from './app.js'
import { createScenarioIssuer, formatChecks, runScenario, type Check } from './scenario.js'

/**
 * The scenario on Node: the API on `@hono/node-server` on loopback, requests over real HTTP. Shuts
 * everything down and returns what each request got. Prints nothing.
 */
export async function runExample(): Promise<Check[]> {
  const scenario = await createScenarioIssuer()
  const server = serve({ fetch: createApp(scenario.guardOptions).fetch, port: 0, hostname: '127.0.0.1' })
  try {
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    const { port } = server.address() as AddressInfo
    return await runScenario(scenario, { origin: `http://127.0.0.1:${port}`, send: (url, init) => fetch(url, init) })
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await scenario.close()
  }
}

async function main(): Promise<void> {
  console.log('fapi-guard + Hono on Node: GET /accounts needs a DPoP-bound token with scope accounts:read (FAPI 2.0)\n')
  const checks = await runExample()
  console.log(formatChecks(`Node ${process.version}`, checks))
  process.exitCode = checks.every((item) => item.ok) ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
