/**
 * The example end to end: oidc-provider issues DPoP-bound tokens for the MCP server's URL (resource
 * indicator), and the SDK's own client calls the server through a fetch that adds DPoP proofs.
 */
import { createFapiAuthorizationServer, type FapiAuthorizationServer, type FapiTokens } from '@fapi-guard/testing'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { generateProof } from 'dpop'
import { dpopFetch } from './dpop-fetch.js'
import { PAYMENTS_SCOPE, READ_SCOPE, startMcpServer, STRONG_ACR } from './server.js'

/** One step: what was done, and what the client saw. */
export interface Step {
  readonly title: string
  /** HTTP status of the answer that decided the step (200 when the call succeeded). */
  readonly status: number
  /** The challenge of a refusal (`WWW-Authenticate`), else `null`. */
  readonly challenge: string | null
  /** The tool's text, the tool names, or the error message. */
  readonly detail: string
}

/** A connected SDK client holding one token; `last` is the answer to its latest request. */
async function connect(url: URL, tokens: FapiTokens) {
  if (tokens.dpopKey === undefined) throw new Error('the token is not DPoP-bound')
  const answers: Response[] = []
  const client = new Client({ name: 'fapi-guard-example-client', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(url, { fetch: dpopFetch(tokens.accessToken, tokens.dpopKey, (_method, response) => answers.push(response)) }))
  return { client, answers }
}

type Connected = Awaited<ReturnType<typeof connect>>

/** Calls a tool and reports what the client saw: its text, or the refusal's status and challenge. */
async function callTool({ client, answers }: Connected, title: string, name: string, args: Record<string, string>): Promise<Step> {
  try {
    const result = await client.callTool({ name, arguments: args })
    const [first] = result.content as Array<{ type: string; text?: string }>
    return { title, status: answers.at(-1)?.status ?? 0, challenge: null, detail: first?.text ?? '' }
  } catch (error) {
    const last = answers.at(-1)
    return { title, status: last?.status ?? 0, challenge: last?.headers.get('www-authenticate') ?? null, detail: error instanceof Error ? error.message : String(error) }
  }
}

/** Sends the same DPoP proof twice (a replay) with raw requests, after learning the server's nonce; returns both answers. */
async function replay(url: URL, tokens: FapiTokens): Promise<Response[]> {
  const key = tokens.dpopKey as NonNullable<FapiTokens['dpopKey']>
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })
  const send = async (nonce: string | undefined, proof?: string) => {
    const dpop = proof ?? (await generateProof(key, url.href, 'POST', nonce, tokens.accessToken))
    const headers = { authorization: `DPoP ${tokens.accessToken}`, dpop, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    return { dpop, response: await fetch(url, { method: 'POST', headers, body }) }
  }
  const challenge = await send(undefined) // 401 use_dpop_nonce, with the nonce to use
  const first = await send(challenge.response.headers.get('dpop-nonce') ?? undefined)
  const again = await send(undefined, first.dpop)
  return [first.response, again.response]
}

/** Runs every step against a fresh authorization server and MCP server, then stops both. */
export async function runScenario(): Promise<{ steps: Step[]; tools: string[] }> {
  let as: FapiAuthorizationServer | undefined
  const server = await startMcpServer({
    trust: async (resource) => {
      as = await createFapiAuthorizationServer({ audience: resource.href, scopes: [READ_SCOPE, PAYMENTS_SCOPE] })
      return { issuer: as.issuer, fetch: as.fetch }
    },
  })
  const connections: Connected[] = []
  try {
    const authorization = as as unknown as FapiAuthorizationServer
    const app = await authorization.registerClient({ binding: 'dpop' })
    const read = await connect(server.url, await app.authorize({ scope: READ_SCOPE }))
    connections.push(read)
    const tools = (await read.client.listTools()).tools.map((tool) => tool.name)
    const steps: Step[] = []
    steps.push(await callTool(read, `read tool with a token for ${READ_SCOPE}`, 'balance', { account: 'DE02' }))
    steps.push(await callTool(read, 'payment tool with the same token (no payments scope)', 'transfer', { from: 'DE02', to: 'FR76', amount: '10.00' }))
    const payments = await connect(server.url, await app.authorize({ scope: `${READ_SCOPE} ${PAYMENTS_SCOPE}` }))
    connections.push(payments)
    steps.push(await callTool(payments, 'payment tool, payments scope, no step-up', 'transfer', { from: 'DE02', to: 'FR76', amount: '10.00' }))
    const strongTokens = await app.authorize({ scope: `openid ${READ_SCOPE} ${PAYMENTS_SCOPE}`, acrValues: STRONG_ACR })
    const strong = await connect(server.url, strongTokens)
    connections.push(strong)
    steps.push(await callTool(strong, `payment tool, payments scope, signed in at ${STRONG_ACR}`, 'transfer', { from: 'DE02', to: 'FR76', amount: '10.00' }))
    const [first, again] = await replay(server.url, strongTokens)
    for (const [title, answer] of [['a raw ping with a fresh proof', first], ['the same proof again (replay)', again]] as const) {
      const response = answer as Response
      steps.push({ title, status: response.status, challenge: response.headers.get('www-authenticate'), detail: await response.text() })
    }
    return { steps, tools }
  } finally {
    await Promise.allSettled(connections.map(({ client }) => client.close()))
    await server.close()
    await as?.close()
  }
}
