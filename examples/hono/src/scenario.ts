import { createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import type { HonoGuardOptions } from '@fapi-guard/hono'

/** What a check sent and got. */
export interface Check {
  readonly title: string
  readonly expected: number
  readonly status: number
  /** The status was the expected one, and so were the error and challenge where the check names them. */
  readonly ok: boolean
  readonly wwwAuthenticate: string | undefined
  readonly body: unknown
}

/** An answer as every runtime's client gives it (Fetch `Response`, Miniflare's `dispatchFetch`). */
export interface Answer {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  json(): Promise<unknown>
}

/** Where the API runs: the origin it is addressed at, and how a request reaches it. */
export interface Target {
  readonly origin: string
  send(url: string, init: { headers: Record<string, string>; cf?: Record<string, unknown> }): Promise<Answer>
}

/** The token issuer of the scenario, and the guard options that trust it (its public keys inline: no runtime fetches them). */
export interface ScenarioIssuer {
  readonly issuer: LocalIssuer
  readonly guardOptions: HonoGuardOptions & { passthrough?: false }
  close(): Promise<void>
}

/** A local issuer on Node (`@fapi-guard/testing`): tokens and proofs are minted here, whatever runtime serves the API. */
export async function createScenarioIssuer(extra: Pick<HonoGuardOptions, 'proxy'> = {}): Promise<ScenarioIssuer> {
  const issuer = await createLocalIssuer()
  return {
    issuer,
    guardOptions: { issuer: issuer.issuer, audience: issuer.audience, jwks: { keys: issuer.keys.map((key) => key.publicJwk) }, ...extra },
    close: () => issuer.close(),
  }
}

/** Sends one request and checks its status, and the `error` of the body and the challenge's scheme when given. */
export async function check(
  target: Target,
  title: string,
  url: string,
  init: { headers: Record<string, string>; cf?: Record<string, unknown> },
  expected: { status: number; error?: string; challenge?: RegExp },
): Promise<Check> {
  const answer = await target.send(url, init)
  const body = await answer.json().catch(() => undefined)
  const wwwAuthenticate = answer.headers.get('www-authenticate') ?? undefined
  const error = (body as { error?: unknown } | undefined)?.error
  const ok =
    answer.status === expected.status &&
    (expected.error === undefined || error === expected.error) &&
    (expected.challenge === undefined || (wwwAuthenticate !== undefined && expected.challenge.test(wwwAuthenticate)))
  return { title, expected: expected.status, status: answer.status, ok, wwwAuthenticate, body }
}

/**
 * The example's scenario: a client DPoP key and a token bound to it, then (1) the token with a fresh
 * proof → 200; (2) the very same request replayed → 401 `invalid_dpop_proof` (a proof is good once);
 * (3) no token → 401 with the `WWW-Authenticate` challenge; (4) a token without `accounts:read` → 403.
 */
export async function runScenario({ issuer }: ScenarioIssuer, target: Target): Promise<Check[]> {
  const key = await createDPoPKey()
  const url = `${target.origin}/accounts`
  const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
  const headers = { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }) }
  const narrow = await issuer.mint({ sub: 'alice', scope: 'openid', cnf: { jkt: key.thumbprint } })
  const narrowHeaders = { authorization: `DPoP ${narrow}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: narrow }) }
  return [
    await check(target, 'DPoP-bound token with a fresh proof', url, { headers }, { status: 200 }),
    await check(target, 'the same request replayed', url, { headers }, { status: 401, error: 'invalid_dpop_proof', challenge: /DPoP error="invalid_dpop_proof"/ }),
    await check(target, 'no access token', url, { headers: {} }, { status: 401, error: 'unauthorized', challenge: /^Bearer realm="api"/ }),
    await check(target, 'a token without the scope accounts:read', url, { headers: narrowHeaders }, { status: 403, error: 'insufficient_scope', challenge: /error="insufficient_scope"/ }),
  ]
}

/** The results as plain text, one line per check. */
export function formatChecks(runtime: string, checks: readonly Check[]): string {
  return checks.map((item) => `${item.ok ? 'ok  ' : 'FAIL'} ${runtime}: ${item.title}: ${item.status} (expected ${item.expected})`).join('\n')
}
