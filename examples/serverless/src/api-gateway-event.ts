import type { APIGatewayEventLike } from '@fapi-guard/core'

/**
 * An HTTP API (payload 2.0) event for `GET /accounts` on a custom domain with mutual TLS, as API
 * Gateway hands it to the function: the client certificate it received in the handshake sits in
 * `requestContext.authentication.clientCert`. A real event carries more members; these are enough.
 */
export function accountsEvent({ authorization, clientCertPem }: { authorization?: string; clientCertPem: string }): APIGatewayEventLike {
  return {
    version: '2.0',
    rawPath: '/accounts',
    rawQueryString: '',
    headers: {
      accept: 'application/json',
      host: 'api.example.com',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      ...(authorization !== undefined && { authorization }),
    },
    requestContext: {
      domainName: 'api.example.com',
      http: { method: 'GET', sourceIp: '203.0.113.7' },
      authentication: { clientCert: { clientCertPem } },
    },
  }
}
