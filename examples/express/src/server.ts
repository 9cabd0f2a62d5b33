import { guard, requireScopes, type GuardOptions } from '@fapi-guard/express'
import express, { type Express, type RequestHandler } from 'express'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'

/** Who issues tokens for this API and how the API names itself in `aud`. */
export interface APIOptions {
  /** Issuer identifier; keys are found through its RFC 8414 metadata. */
  readonly issuer: string
  /** This API's identifier, which tokens must carry in `aud`. */
  readonly audience: string
  /** How the API introspects opaque tokens at the issuer (its own client there). Without it, only JWTs are accepted. */
  readonly introspection?: GuardOptions['introspection']
  /** Secret of the DPoP server nonces `POST /payments` demands (≥ 32 bytes). Default: a random one. */
  readonly dpopNonceSecret?: string
  /** More issuers whose JWT access tokens the API takes (keys by discovery), e.g. the FAPI authorization server. */
  readonly moreIssuers?: readonly string[]
  /** `fetch` for metadata and keys (one that trusts a test issuer's certificate). Default: the global one. */
  readonly fetch?: typeof fetch
}

/** The route itself: runs only after the guard verified the token, its binding and the scope. */
export const listAccounts: RequestHandler = (req, res) => {
  res.json({
    owner: req.auth?.subject,
    accounts: [{ id: 'acc-1', currency: 'EUR', balance: '1024.50' }],
  })
}

/** `POST /payments`: runs only after the guard verified the token, its proof (with a fresh server nonce) and the scope. */
export const createPayment: RequestHandler = (req, res) => {
  res.json({ id: `pmt-${randomBytes(4).toString('hex')}`, status: 'accepted', by: req.auth?.clientId })
}

/**
 * The protected API, default FAPI 2.0 profile, so every token must be sender-constrained: DPoP-bound
 * (RFC 9449) or certificate-bound (RFC 8705). Keys are found by discovery from the issuer's metadata;
 * opaque tokens are introspected when `introspection` is given.
 *
 * - `GET /accounts` needs scope `accounts:read`.
 * - `POST /payments` needs scope `payments:write`, and its DPoP proofs must carry a nonce this API
 *   issued (RFC 9449 §9): the first proof without one gets 401 `use_dpop_nonce` and a `DPoP-Nonce`.
 */
export function createApp({ issuer, audience, introspection, dpopNonceSecret, moreIssuers = [], fetch }: APIOptions): Express {
  const app = express()
  const options: GuardOptions = {
    ...(moreIssuers.length === 0
      ? { issuer, ...(introspection !== undefined && { introspection }) }
      : { issuer: [{ issuer, ...(introspection !== undefined && { introspection }) }, ...moreIssuers] }),
    audience,
    ...(fetch !== undefined && { fetch }),
  }
  const secret = dpopNonceSecret ?? randomBytes(32).toString('base64url')
  app.get('/accounts', guard(options), requireScopes('accounts:read'), listAccounts)
  app.post('/payments', guard({ ...options, dpop: { nonce: { secret } } }), requireScopes('payments:write'), createPayment)
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
