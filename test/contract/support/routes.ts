import { claimEquals, type AuthContext, type AuthorizationDetailRequirement, type ClaimRequirement } from '@fapi-guard/core'

/** The `acr` the step-up route accepts. */
export const GOLD_ACR = 'urn:example:acr:gold'
/** Seconds since `auth_time` the `/recent` route accepts. */
export const RECENT_MAX_AGE = 300
/** The claim requirement of `/claims`. */
export const TENANT_IS_ACME: ClaimRequirement = claimEquals('tenant', 'acme')

/** The header a `/payments` request names its creditor's IBAN in. */
export const CREDITOR_HEADER = 'x-creditor-iban'

/** A header of whatever request object the adapter hands to a `check`: Express `req`, Koa `ctx`, Fastify `request`, Nest's, a Fetch `Request`. */
function headerOf(request: unknown, name: string): string | undefined {
  // Hono hands its Context (`c.req.header(name)`); the others a request or context with `headers`.
  const honoRequest = (request as { req?: { header?: unknown } } | undefined)?.req
  if (typeof honoRequest?.header === 'function') return (honoRequest.header as (name: string) => string | undefined)(name)
  const headers = (request as { headers?: unknown } | undefined)?.headers
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const value = (headers as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * The RFC 9396 requirement of `/payments`: a `payment_initiation` detail that may `initiate`, paying
 * the creditor the request names — so every adapter must hand its request to the `check`.
 */
export const PAYMENT_TO_NAMED_CREDITOR: AuthorizationDetailRequirement = {
  type: 'payment_initiation',
  actions: ['initiate'],
  check: (detail, request) => (detail.creditorAccount as { iban?: unknown } | undefined)?.iban === headerOf(request, CREDITOR_HEADER),
}

/**
 * The routes every adapter serves, with their per-route requirements. Each adapter declares them in
 * its own idiom (Express/Koa middleware, Fastify `config` and hooks, Nest decorators, `verify`
 * options in the Fetch handler).
 */
export const ROUTES = {
  resource: { path: '/resource' },
  accounts: { path: '/accounts', scopes: ['accounts:read'] },
  stepUp: { path: '/step-up', acrValues: [GOLD_ACR] },
  recent: { path: '/recent', maxAge: RECENT_MAX_AGE },
  claims: { path: '/claims', claims: [TENANT_IS_ACME] },
  payments: { path: '/payments', authorizationDetails: [PAYMENT_TO_NAMED_CREDITOR] },
} as const

/** What every protected route answers with: the same JSON on every adapter. */
export interface RouteBody {
  readonly subject: string | null
  readonly clientId: string | null
  readonly scopes: readonly string[]
  /** `null` only when the route ran without auth (a request without credentials under `passthrough`). */
  readonly binding: AuthContext['binding'] | null
}

/** The body of a route that ran without auth: no binding, which a verified token always has (`{}` at least). */
export const ANONYMOUS_BODY: RouteBody = Object.freeze({ subject: null, clientId: null, scopes: [], binding: null })

/** The route's answer: what it was told about the request's token, or `ANONYMOUS_BODY` when there was none. */
export function routeBody(auth: AuthContext | undefined | null): RouteBody {
  if (auth === undefined || auth === null) return ANONYMOUS_BODY
  return { subject: auth.subject ?? null, clientId: auth.clientId ?? null, scopes: [...auth.scopes], binding: auth.binding }
}
