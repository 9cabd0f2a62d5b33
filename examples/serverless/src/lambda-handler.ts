import { createGuard, fromApiGatewayEvent, type APIGatewayEventLike, type GuardOptions } from '@fapi-guard/core'

/** What API Gateway takes back from a Lambda proxy integration (REST and HTTP APIs alike). */
export interface APIGatewayProxyResult {
  statusCode: number
  headers: Record<string, string>
  body: string
}

/**
 * An AWS Lambda handler behind API Gateway (REST API payload 1.0 or HTTP API payload 2.0):
 * `GET /accounts` needs a valid, sender-constrained access token with scope `accounts:read`. With
 * mTLS on the custom domain, API Gateway hands the client certificate to the function in the event;
 * `fromApiGatewayEvent` passes it on, so certificate-bound tokens (RFC 8705) work as on a TLS server.
 */
export function createLambdaHandler(options: GuardOptions): (event: APIGatewayEventLike) => Promise<APIGatewayProxyResult> {
  const guard = createGuard(options)
  return async (event) => {
    try {
      const auth = await guard.verify(fromApiGatewayEvent(event), { scopes: ['accounts:read'] })
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json', ...auth.responseHeaders },
        body: JSON.stringify({ owner: auth.subject, accounts: [{ id: 'acc-1', currency: 'EUR', balance: '1024.50' }] }),
      }
    } catch (error) {
      // Copy the refusal: status, WWW-Authenticate (and DPoP-Nonce / Retry-After), { error, error_description }.
      const refusal = guard.toGuardError(error)
      return {
        statusCode: refusal.status,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...refusal.headers },
        body: JSON.stringify(refusal.toJSON()),
      }
    }
  }
}

let deployed: ((event: APIGatewayEventLike) => Promise<APIGatewayProxyResult>) | undefined

/**
 * The function to deploy (`handler` in `dist/lambda-handler.js`): configured from the environment
 * (`ISSUER`, `AUDIENCE`) on the first invocation and reused by every later one in the same container.
 */
export async function handler(event: APIGatewayEventLike): Promise<APIGatewayProxyResult> {
  deployed ??= createLambdaHandler({ issuer: process.env.ISSUER ?? '', audience: process.env.AUDIENCE ?? '' })
  return deployed(event)
}
