import fapiGuard from '@fapi-guard/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Server } from 'node:https'

/** Who issues tokens for this API and how the API names itself in `aud`. */
export interface APIOptions {
  /** Issuer identifier; keys are found through its RFC 8414 metadata. */
  readonly issuer: string
  /** This API's identifier, which tokens must carry in `aud`. */
  readonly audience: string
  /** The server's own TLS certificate and key (PEM). */
  readonly tls: { readonly cert: string; readonly key: string }
}

/**
 * The protected API over HTTPS: `GET /accounts` needs a valid access token with scope
 * `accounts:read`. Default FAPI 2.0 profile, so the token must be sender-constrained — here
 * certificate-bound (RFC 8705). Client certificates are requested but not checked against a CA: the
 * guard checks that the certificate is the one the token names (RFC 8705 §6.2), not who signed it.
 */
export async function createApp({ issuer, audience, tls }: APIOptions): Promise<FastifyInstance<Server>> {
  const app = Fastify({ https: { key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false } })
  await app.register(fapiGuard, { issuer, audience })
  app.get('/accounts', { onRequest: app.authenticate, config: { scopes: ['accounts:read'] } }, async (request) => ({
    owner: request.auth?.subject,
    accounts: [{ id: 'acc-1', currency: 'EUR', balance: '1024.50' }],
  }))
  return app
}

/** A running API. */
export interface RunningAPI {
  /** `https://127.0.0.1:<port>` */
  readonly origin: string
  close(): Promise<void>
}

/** Serves the API on loopback (port 0 = ephemeral). */
export async function startAPI(options: APIOptions & { port?: number }): Promise<RunningAPI> {
  const app = await createApp(options)
  const origin = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' })
  return { origin, close: () => app.close() }
}
