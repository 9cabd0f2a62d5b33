// Names the main entry exported before the surface was split by audience (issue 16). They keep
// working; each says where it went. They leave the main entry in the next major version.
import type { AdapterGuard as AdapterGuardType } from './adapter-guard.js'
import { isGuard as isGuardFunction } from './adapter-guard.js'
import {
  logDecisions as logDecisionsFunction,
  traceDecisions as traceDecisionsFunction,
  type DecisionEvent as DecisionEventType,
  type DecisionLogger as DecisionLoggerType,
  type DecisionTracer as DecisionTracerType,
} from './audit/decision-event.js'
import { ERROR_TABLE as ERROR_TABLE_VALUE } from './errors/codes.js'
import { renderWWWAuthenticate as renderFunction, type Challenge as ChallengeType } from './errors/render-challenge.js'
import { PROFILE_ALGORITHMS as PROFILE_ALGORITHMS_VALUE } from './options/profiles.js'
import {
  fromApiGatewayEvent as fromApiGatewayEventFunction,
  toApiGatewayResult as toApiGatewayResultFunction,
  type APIGatewayEventLike as APIGatewayEventLikeType,
  type APIGatewayProxyResultLike as APIGatewayProxyResultLikeType,
} from './request/from-api-gateway-event.js'

/** @deprecated Import it from `@fapi-guard/core/aws`. */
export const fromApiGatewayEvent = fromApiGatewayEventFunction
/** @deprecated Import it from `@fapi-guard/core/aws`. */
export const toApiGatewayResult = toApiGatewayResultFunction
/** @deprecated Import it from `@fapi-guard/core/aws`. */
export type APIGatewayEventLike = APIGatewayEventLikeType
/** @deprecated Import it from `@fapi-guard/core/aws`. */
export type APIGatewayProxyResultLike = APIGatewayProxyResultLikeType

/** @deprecated Import it from `@fapi-guard/core/observability`. */
export const logDecisions = logDecisionsFunction
/** @deprecated Import it from `@fapi-guard/core/observability`. */
export const traceDecisions = traceDecisionsFunction
/** @deprecated Import it from `@fapi-guard/core/observability`. */
export type DecisionEvent = DecisionEventType
/** @deprecated Import it from `@fapi-guard/core/observability`. */
export type DecisionLogger = DecisionLoggerType
/** @deprecated Import it from `@fapi-guard/core/observability`. */
export type DecisionTracer = DecisionTracerType

/** @deprecated Import it from `@fapi-guard/core/adapter`. */
export const isGuard = isGuardFunction
/** @deprecated Import it from `@fapi-guard/core/adapter`. */
export type AdapterGuard<K extends string> = AdapterGuardType<K>

/** @deprecated Internal: statuses and OAuth errors are on each `GuardError` (`status`, `error`) and in the README's table. */
export const ERROR_TABLE = ERROR_TABLE_VALUE
/** @deprecated Internal: the profiles' algorithms are listed in the README. */
export const PROFILE_ALGORITHMS = PROFILE_ALGORITHMS_VALUE
/** @deprecated Internal: a refusal's `headers` already carry its rendered `WWW-Authenticate`. */
export const renderWWWAuthenticate = renderFunction
/** @deprecated Internal, the input of `renderWWWAuthenticate`. */
export type Challenge = ChallengeType
