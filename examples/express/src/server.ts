import { guard, requireScopes } from '@fapi-guard/express'
import express, { type Express, type RequestHandler } from 'express'
import { once } from 'node:events'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'

/** Who issues tokens for this API and how the API names itself in `aud`. */
export interface APIOptions {
  /** Issuer identifier; keys are found through its RFC 8414 metadata. */
  readonly issuer: string
  /** This API's identifier, which tokens must carry in `aud`. */
  readonly audience: string
}

/** The route itself: runs only after the guard verified the token, its binding and the scope. */
export const listAccounts: RequestHandler = (req, res) => {
  res.json({
    owner: req.auth?.subject,
    accounts: [{ id: 'acc-1', currency: 'EUR', balance: '1024.50' }],
  })
}

/**
 * The protected API: `GET /accounts` needs a valid access token with scope `accounts:read`.
 * Default FAPI 2.0 profile, so the token must be sender-constrained — here certificate-bound (RFC 8705).
 */
export function createApp({ issuer, audience }: APIOptions): Express {
  const app = express()
  app.get('/accounts', guard({ issuer, audience }), requireScopes('accounts:read'), listAccounts)
  return app
}

/** The server's own TLS certificate and key (PEM). */
export interface ServerTLS {
  readonly cert: string
  readonly key: string
}

/** A running API. */
export interface RunningAPI {
  /** `https://127.0.0.1:<port>` */
  readonly origin: string
  close(): Promise<void>
}

/**
 * Serves the API over HTTPS on loopback (port 0 = ephemeral). Client certificates are requested
 * but not checked against a CA: with certificate-bound tokens the resource server checks that the
 * certificate is the one the token names (RFC 8705 §6.2), not who signed it.
 */
export async function startAPI(options: APIOptions & { tls: ServerTLS; port?: number }): Promise<RunningAPI> {
  const server = createServer(
    { key: options.tls.key, cert: options.tls.cert, requestCert: true, rejectUnauthorized: false },
    createApp(options),
  )
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    origin: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
