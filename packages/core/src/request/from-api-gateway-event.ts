import type { GuardError } from '../errors/guard-error.js'
import { isPlainObject } from '../lib/encoding.js'
import type { HeaderRecord, RequestLike } from '../types.js'

/** The parts of an AWS API Gateway REST (payload 1.0) or HTTP API (payload 2.0) event that are read. */
export interface APIGatewayEventLike {
  readonly version?: string
  // payload 1.0
  readonly httpMethod?: string
  readonly path?: string
  readonly headers?: Readonly<Record<string, string | undefined>> | null
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[] | undefined>> | null
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null
  // payload 2.0
  readonly rawPath?: string
  readonly rawQueryString?: string
  readonly requestContext?: {
    readonly domainName?: string
    readonly path?: string
    readonly identity?: { readonly sourceIp?: string; readonly clientCert?: { readonly clientCertPem?: string } | null }
    readonly http?: { readonly method?: string; readonly sourceIp?: string }
    readonly authentication?: { readonly clientCert?: { readonly clientCertPem?: string } | null } | null
  }
}

function queryFromV1(event: APIGatewayEventLike): string {
  const params = new URLSearchParams()
  const multi = event.multiValueQueryStringParameters
  if (isPlainObject(multi)) {
    for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) params.append(name, value)
  } else if (isPlainObject(event.queryStringParameters)) {
    for (const [name, value] of Object.entries(event.queryStringParameters)) if (value !== undefined) params.append(name, value)
  }
  const query = params.toString()
  return query === '' ? '' : `?${query}`
}

/**
 * Builds a `RequestLike` from an AWS API Gateway event, REST (payload 1.0) or HTTP API (2.0): method,
 * the https URL the client addressed (`Host`, or the domain name, plus the path with its stage and the
 * query), every header (repeats kept apart where the event keeps them), the source IP, and the mTLS
 * client certificate API Gateway passes (`requestContext.identity.clientCert` /
 * `requestContext.authentication.clientCert`). API Gateway terminates TLS: the URL is always https.
 */
export function fromApiGatewayEvent(event: APIGatewayEventLike): RequestLike {
  const context = event.requestContext ?? {}
  const v2 = event.version === '2.0'
  const headers: Record<string, string | readonly string[] | undefined> = { ...(event.headers ?? {}) }
  if (!v2 && isPlainObject(event.multiValueHeaders)) {
    for (const [name, values] of Object.entries(event.multiValueHeaders)) {
      for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key]
      headers[name] = values
    }
  }
  const hostHeader = Object.entries(headers).find(([name]) => name.toLowerCase() === 'host')?.[1]
  const host = (Array.isArray(hostHeader) ? hostHeader[0] : hostHeader) ?? context.domainName
  const path = v2 ? (event.rawPath ?? '/') : (context.path ?? event.path ?? '/')
  const query = v2 ? (event.rawQueryString ? `?${event.rawQueryString}` : '') : queryFromV1(event)
  const certificate = v2 ? context.authentication?.clientCert?.clientCertPem : context.identity?.clientCert?.clientCertPem
  // No method or no host: left empty, so the guard refuses the request as unreadable (fail closed).
  return {
    method: (v2 ? context.http?.method : event.httpMethod) ?? '',
    url: host === undefined ? '' : `https://${host}${path}${query}`,
    headers: headers as HeaderRecord,
    clientCertificate: typeof certificate === 'string' ? certificate : undefined,
    peerAddress: v2 ? context.http?.sourceIp : context.identity?.sourceIp,
  }
}

/** An API Gateway proxy result (REST and HTTP API). */
export interface APIGatewayProxyResultLike {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** The API Gateway proxy result for a refusal: status, headers and the JSON body `{ error, error_description }`. */
export function toApiGatewayResult(error: GuardError): APIGatewayProxyResultLike {
  return {
    statusCode: error.status,
    headers: { ...error.headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(error.toJSON()),
  }
}
