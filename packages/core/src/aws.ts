// `@fapi-guard/core/aws`: AWS Lambda behind API Gateway (REST and HTTP APIs).
// The core types are named by the package's own entry, so a refusal from `guard.verify` fits
// `toApiGatewayResult` (one `GuardError` declaration in the package's types).
import type { APIGatewayEventLike, APIGatewayProxyResultLike, GuardError, RequestLike } from '@fapi-guard/core'
import { fromApiGatewayEvent as readEvent, toApiGatewayResult as answerRefusal } from './request/from-api-gateway-event.js'

export type { APIGatewayEventLike, APIGatewayProxyResultLike }

/** The `RequestLike` of an API Gateway proxy event (payload 1.0 or 2.0): method, URL, headers, source IP, client certificate. */
export const fromApiGatewayEvent: (event: APIGatewayEventLike) => RequestLike = readEvent
/** The proxy result for a refusal: status, challenge headers, `cache-control: no-store`, JSON body. */
export const toApiGatewayResult: (error: GuardError) => APIGatewayProxyResultLike = answerRefusal
