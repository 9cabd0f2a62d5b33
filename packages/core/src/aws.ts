// `@fapi-guard/core/aws`: AWS Lambda behind API Gateway (REST and HTTP APIs) or an ALB.
export { fromApiGatewayEvent, toApiGatewayResult } from './request/from-api-gateway-event.js'
export type { APIGatewayEventLike, APIGatewayProxyResultLike } from './request/from-api-gateway-event.js'
