import type { VerifyOptions } from '@fapi-guard/core'
import { defineRequirements } from '@fapi-guard/core/adapter'

/** The members of a route's `config` that `authenticate` honours. */
const REQUIREMENT_KEYS = ['scopes', 'acrValues', 'maxAge', 'claims', 'authorizationDetails'] as const

/** A route's requirements, split by when they are checked. */
export interface RouteRequirements {
  /** Everything the route's `config` requires (`passthrough` refuses a request without credentials when there is any). */
  readonly all: VerifyOptions
  /** What `authenticate` checks in `onRequest`. */
  readonly onRequest: VerifyOptions | undefined
  /** `authorizationDetails`, checked in `preHandler`, once the body is parsed, so a `check` can compare against it. */
  readonly preHandler: VerifyOptions | undefined
}

/**
 * The per-route requirements in a route's `config` (`scopes`, `acrValues`, `maxAge`, `claims`,
 * `authorizationDetails`), defined with the core's `defineRequirements` (a `TypeError` names the route
 * and the member); `undefined` when the route sets none. Other `config` members are the application's
 * and are left alone.
 */
export function readRouteRequirements(config: unknown, where: string): RouteRequirements | undefined {
  if (typeof config !== 'object' || config === null) return undefined
  const source = config as Record<string, unknown>
  const picked: Record<string, unknown> = {}
  for (const key of REQUIREMENT_KEYS) if (source[key] !== undefined) picked[key] = source[key]
  if (Object.keys(picked).length === 0) return undefined
  const all = defineRequirements(picked as VerifyOptions, where)
  const { authorizationDetails, ...rest } = all
  return {
    all,
    onRequest: Object.keys(rest).length === 0 ? undefined : Object.freeze(rest),
    preHandler: authorizationDetails === undefined ? undefined : Object.freeze({ authorizationDetails }),
  }
}
