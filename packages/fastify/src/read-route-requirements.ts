import type { VerifyOptions } from '@fapi-guard/core'
import { defineRequirements } from '@fapi-guard/core/adapter'

/** The members of a route's `config` that `authenticate` honours. */
const REQUIREMENT_KEYS = ['scopes', 'acrValues', 'maxAge', 'claims'] as const

/**
 * The per-route requirements in a route's `config` (`scopes`, `acrValues`, `maxAge`, `claims`),
 * defined with the core's `defineRequirements` (a `TypeError` names the route and the member);
 * `undefined` when the route sets none. Other `config` members are the application's and are left alone.
 */
export function readRouteRequirements(config: unknown, where: string): VerifyOptions | undefined {
  if (typeof config !== 'object' || config === null) return undefined
  const source = config as Record<string, unknown>
  const picked: Record<string, unknown> = {}
  for (const key of REQUIREMENT_KEYS) if (source[key] !== undefined) picked[key] = source[key]
  if (Object.keys(picked).length === 0) return undefined
  return defineRequirements(picked as VerifyOptions, where)
}
