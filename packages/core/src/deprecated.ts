// Names the main entry exported before the surface was split by audience (issue 16). They keep
// working; each says where it went. They leave the main entry in the next major version.
import { logDecisions as logDecisionsFunction, traceDecisions as traceDecisionsFunction } from './audit/decision-event.js'
import { ERROR_TABLE as ERROR_TABLE_VALUE } from './errors/codes.js'
import { renderWWWAuthenticate as renderFunction, type Challenge as ChallengeType } from './errors/render-challenge.js'
import { PROFILE_ALGORITHMS as PROFILE_ALGORITHMS_VALUE } from './options/profiles.js'
import { checkRequirements as checkRequirementsFunction } from './options/requirements.js'
import { fromApiGatewayEvent as fromApiGatewayEventFunction, toApiGatewayResult as toApiGatewayResultFunction } from './request/from-api-gateway-event.js'
import { isGuard as isGuardFunction, type Guard } from './pipeline/guard.js'

/** @deprecated Import it from `@fapi-guard/core/aws`. */
export const fromApiGatewayEvent = fromApiGatewayEventFunction
/** @deprecated Import it from `@fapi-guard/core/aws`. */
export const toApiGatewayResult = toApiGatewayResultFunction

/** @deprecated Import it from `@fapi-guard/core/observability`. */
export const logDecisions = logDecisionsFunction
/** @deprecated Import it from `@fapi-guard/core/observability`. */
export const traceDecisions = traceDecisionsFunction

/** @deprecated Import it from `@fapi-guard/core/adapter`. */
export const isGuard: (value: unknown) => value is Guard = isGuardFunction
/**
 * Checks per-route requirements where the route is declared (a `TypeError` naming `where`).
 * @deprecated For adapter authors: `defineRequirements` (and `defineScopes`, `defineAuthentication`,
 * `defineClaims`) of `@fapi-guard/core/adapter`, which also returns a frozen copy.
 */
export const checkRequirements = checkRequirementsFunction
/**
 * The guard an adapter runs and the adapter's own options, separated.
 * @deprecated Import it from `@fapi-guard/core/adapter`.
 */
export interface AdapterGuard<K extends string> {
  readonly guard: Guard
  readonly adapterOptions: Partial<Record<K, unknown>>
}

/** @deprecated Internal: statuses and OAuth errors are on each `GuardError` (`status`, `error`) and in the README's table. */
export const ERROR_TABLE = ERROR_TABLE_VALUE
/** @deprecated Internal: the profiles' algorithms are listed in the README. */
export const PROFILE_ALGORITHMS = PROFILE_ALGORITHMS_VALUE
/** @deprecated Internal: a refusal's `headers` already carry its rendered `WWW-Authenticate`. */
export const renderWWWAuthenticate = renderFunction
/** @deprecated Internal, the input of `renderWWWAuthenticate`. */
export type Challenge = ChallengeType
