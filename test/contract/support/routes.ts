import { claimEquals, type AuthContext, type ClaimRequirement } from '@fapi-guard/core'

/** The `acr` the step-up route accepts. */
export const GOLD_ACR = 'urn:example:acr:gold'
/** Seconds since `auth_time` the `/recent` route accepts. */
export const RECENT_MAX_AGE = 300
/** The claim requirement of `/claims`. */
export const TENANT_IS_ACME: ClaimRequirement = claimEquals('tenant', 'acme')

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
