import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CASES, type ContractCase } from './cases.js'
import { expressAdapter } from './support/adapters/express.js'
import { fastifyAdapter } from './support/adapters/fastify.js'
import { fetchAdapter } from './support/adapters/fetch.js'
import { honoAdapter } from './support/adapters/hono.js'
import { koaAdapter } from './support/adapters/koa.js'
import { nestExpressAdapter, nestFastifyAdapter } from './support/adapters/nest.js'
import { expectedAnswer, normalize, type Normalized } from './support/expectations.js'
import { createFixtures, type Fixtures } from './support/fixtures.js'
import type { CaseContext } from './support/requests.js'
import type { Adapter, Answer, ContractRequest, Target } from './support/target.js'

// The contract (issue 6 "One contract suite", issue 10): the SAME table of cases runs through every
// adapter — each on real HTTPS servers on loopback (client certificates requested, not chain-checked),
// the Fetch handler in process — and every adapter must give the answer the case expects and the
// same answer as every other: status, WWW-Authenticate, DPoP-Nonce (presence, syntax; its validity
// by the retry case), x-fapi-interaction-id, JSON body.

const ADAPTERS: readonly Adapter[] = [expressAdapter, koaAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter, fetchAdapter, honoAdapter]

let fixtures: Fixtures
beforeAll(async () => {
  fixtures = await createFixtures()
})
afterAll(() => fixtures.close())

/** Every adapter's normalized answer per case, for the agreement check. */
const answers = new Map<string, Map<string, Normalized>>()

function knownDifference(contractCase: ContractCase, adapter: Adapter): string | undefined {
  return contractCase.knownDifference?.adapter === adapter.name ? contractCase.knownDifference.reason : undefined
}

async function runCase(contractCase: ContractCase, target: Target): Promise<Normalized> {
  const guard = contractCase.guard ?? 'base'
  let sentInteractionId: string | undefined
  const ctx: CaseContext = {
    fixtures,
    url: (path) => new URL(path, target.origin(guard)).href,
    send: (request: ContractRequest): Promise<Answer> => {
      const id = request.headers?.['x-fapi-interaction-id']
      sentInteractionId = typeof id === 'string' ? id : undefined
      return target.send(guard, request)
    },
  }
  const answer =
    contractCase.run !== undefined
      ? await contractCase.run(ctx)
      : await ctx.send(await (contractCase.request as (ctx: CaseContext) => Promise<ContractRequest>)(ctx))
  return normalize(answer, sentInteractionId, contractCase.expected.cacheControl !== undefined)
}

describe.each(ADAPTERS)('$name', (adapter) => {
  let target: Target
  beforeAll(async () => {
    target = await adapter.start(fixtures)
  }, 30_000)
  afterAll(() => target?.close())

  it.each(CASES)('$name', async (contractCase) => {
    const normalized = await runCase(contractCase, target)
    let byAdapter = answers.get(contractCase.name)
    if (byAdapter === undefined) answers.set(contractCase.name, (byAdapter = new Map()))
    byAdapter.set(adapter.name, normalized)
    const expected = expectedAnswer(contractCase.expected, fixtures)
    const difference = knownDifference(contractCase, adapter)
    if (difference === undefined) {
      expect(normalized).toEqual(expected)
    } else {
      // Still different? Then the gap is still open; once it is closed, remove `knownDifference`.
      expect(normalized, `known difference closed — remove it from the case: ${difference}`).not.toEqual(expected)
    }
  })
})

describe("every adapter gives the same answer", () => {
  it('the table has at least 40 cases, with unique names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40)
    expect(new Set(CASES.map((contractCase) => contractCase.name)).size).toBe(CASES.length)
  })

  it.each(CASES)('$name', (contractCase) => {
    const byAdapter = answers.get(contractCase.name)
    expect(byAdapter, 'every adapter ran the case').toBeDefined()
    const agreeing = ADAPTERS.filter((adapter) => knownDifference(contractCase, adapter) === undefined)
    const reference = byAdapter?.get(agreeing[0]?.name ?? '')
    for (const adapter of agreeing) {
      expect(byAdapter?.get(adapter.name), `${adapter.name} answers as ${agreeing[0]?.name} does`).toEqual(reference)
    }
  })
})
