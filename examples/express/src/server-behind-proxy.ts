import { guard, requireScopes } from '@fapi-guard/express'
import express, { type Express } from 'express'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { listAccounts, type APIOptions, type RunningAPI } from './server.js'

/** The header the proxy forwards the client certificate in: nginx `$ssl_client_escaped_cert` (URL-encoded PEM). */
export const CERTIFICATE_HEADER = 'x-ssl-client-cert'

/**
 * The same API for a deployment where nginx (or another proxy on the same host) terminates TLS:
 * the proxy asks for the client certificate and forwards it in `X-SSL-Client-Cert`. The header is
 * believed only on connections from loopback, where the proxy is; from any other peer it is
 * ignored, so a client that reaches the app directly cannot claim a certificate it does not hold.
 */
export function createAppBehindProxy({ issuer, audience, introspection }: APIOptions): Express {
  const app = express()
  const protect = guard({
    issuer,
    audience,
    ...(introspection !== undefined && { introspection }),
    proxy: { trusted: ['loopback'], certificateHeader: CERTIFICATE_HEADER },
  })
  app.get('/accounts', protect, requireScopes('accounts:read'), listAccounts)
  return app
}

/**
 * Serves the proxied API over plain HTTP on loopback (port 0 = ephemeral): the proxy in front of
 * it speaks TLS to clients. Never expose this listener beyond the proxy's host.
 */
export async function startAPIBehindProxy(options: APIOptions & { port?: number }): Promise<RunningAPI> {
  const server = createServer(createAppBehindProxy(options))
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
