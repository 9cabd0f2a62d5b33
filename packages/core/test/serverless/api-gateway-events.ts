/**
 * Realistic AWS API Gateway proxy events, built by hand from the shapes API Gateway sends: REST APIs
 * (payload 1.0: `headers` + `multiValueHeaders`, `multiValueQueryStringParameters`, the mTLS
 * certificate in `requestContext.identity.clientCert`) and HTTP APIs (payload 2.0: lower-case
 * `headers` with repeats joined by commas, `rawPath`/`rawQueryString`, the certificate in
 * `requestContext.authentication.clientCert`).
 */

/** What a test varies in an event. */
export interface EventInput {
  readonly method?: string
  /** Path as the client sent it (for REST on the execute-api endpoint, with the stage). */
  readonly path?: string
  /** `name` → values, in the order sent; names as the client wrote them. */
  readonly headers?: Readonly<Record<string, readonly string[]>>
  /** Query as sent (`a=1&b=2`). */
  readonly query?: string
  /** PEM of the client certificate from the mTLS handshake at the custom domain. */
  readonly clientCertPem?: string
  readonly domainName?: string
}

const DOMAIN = 'api.example.test'
const SOURCE_IP = '203.0.113.7'

function clientCert(pem: string) {
  return {
    clientCertPem: pem,
    subjectDN: 'CN=client',
    issuerDN: 'CN=client',
    serialNumber: '1f:2e:3d',
    validity: { notBefore: 'Jan 1 00:00:00 2026 GMT', notAfter: 'Jan 3 00:00:00 2026 GMT' },
  }
}

function withDefaults(input: EventInput) {
  const domainName = input.domainName ?? DOMAIN
  const headers: Record<string, readonly string[]> = {
    Accept: ['application/json'],
    Host: [domainName],
    'User-Agent': ['client/1.0'],
    'X-Amzn-Trace-Id': ['Root=1-67b7bb98-fb7dfe416f53ecee062b77d5'],
    'X-Forwarded-For': [SOURCE_IP],
    'X-Forwarded-Port': ['443'],
    'X-Forwarded-Proto': ['https'],
    ...input.headers,
  }
  return { method: input.method ?? 'GET', path: input.path ?? '/accounts', query: input.query ?? '', domainName, headers }
}

/** A REST API (payload 1.0) event: `headers` keeps the last value of a repeated field, `multiValueHeaders` all of them. */
export function restEvent(input: EventInput = {}) {
  const { method, path, query, domainName, headers } = withDefaults(input)
  const multiQuery: Record<string, string[]> = {}
  for (const [name, value] of new URLSearchParams(query)) (multiQuery[name] ??= []).push(value)
  const hasQuery = Object.keys(multiQuery).length > 0
  return {
    resource: '/accounts',
    path,
    httpMethod: method,
    headers: Object.fromEntries(Object.entries(headers).map(([name, values]) => [name, values[values.length - 1]])),
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, values]) => [name, [...values]])),
    queryStringParameters: hasQuery ? Object.fromEntries(Object.entries(multiQuery).map(([name, values]) => [name, values[values.length - 1]])) : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourceId: 'x1y2z3',
      resourcePath: '/accounts',
      httpMethod: method,
      extendedRequestId: 'c5ZvZGQ5IAMFkAg=',
      requestTime: '01/Jan/2026:12:00:00 +0000',
      path,
      accountId: '123456789012',
      protocol: 'HTTP/1.1',
      stage: 'prod',
      domainPrefix: domainName.split('.')[0],
      requestTimeEpoch: 1767268800000,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: SOURCE_IP,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: 'client/1.0',
        user: null,
        clientCert: input.clientCertPem === undefined ? null : clientCert(input.clientCertPem),
      },
      domainName,
      apiId: 'a1b2c3d4e5',
    },
    body: null,
    isBase64Encoded: false,
  }
}

/** An HTTP API (payload 2.0) event: lower-case `headers`, a repeated field joined with commas (cookies apart). */
export function httpEvent(input: EventInput = {}) {
  const { method, path, query, domainName, headers } = withDefaults(input)
  const lower: Record<string, string> = {}
  for (const [name, values] of Object.entries(headers)) {
    const key = name.toLowerCase()
    lower[key] = lower[key] === undefined ? values.join(',') : `${lower[key]},${values.join(',')}`
  }
  const params = new URLSearchParams(query)
  return {
    version: '2.0',
    routeKey: `${method} /accounts`,
    rawPath: path,
    rawQueryString: query,
    headers: lower,
    ...(query !== '' && { queryStringParameters: Object.fromEntries(params) }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      ...(input.clientCertPem !== undefined && { authentication: { clientCert: clientCert(input.clientCertPem) } }),
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: SOURCE_IP, userAgent: 'client/1.0' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: `${method} /accounts`,
      stage: '$default',
      time: '01/Jan/2026:12:00:00 +0000',
      timeEpoch: 1767268800000,
    },
    isBase64Encoded: false,
  }
}
