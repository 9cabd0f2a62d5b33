import { guard, requireScopes } from '@fapi-guard/koa'
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Who issues tokens for this API and how the API names itself in `aud`. */
export interface APIOptions {
  /** Issuer identifier; keys are found through its RFC 8414 metadata. */
  readonly issuer: string
  /** This API's identifier, which tokens must carry in `aud`. */
  readonly audience: string
}

/** The route itself: runs only after the guard verified the token, its DPoP proof and the scope. */
const listAccounts: Middleware = (ctx) => {
  ctx.body = {
    owner: ctx.state.auth?.subject,
    accounts: [{ id: 'acc-1', currency: 'EUR', balance: '1024.50' }],
  }
}

/**
 * The protected API: `GET /accounts` needs a valid access token with scope `accounts:read`.
 * Default FAPI 2.0 profile, so the token must be sender-constrained — here DPoP-bound (RFC 9449).
 */
export function createApp({ issuer, audience }: APIOptions): Koa {
  const router = new Router()
  router.get('/accounts', guard({ issuer, audience }), requireScopes('accounts:read'), listAccounts)
  const app = new Koa()
  app.use(router.routes())
  return app
}

/** A running API. */
export interface RunningAPI {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  close(): Promise<void>
}

/** Serves the API on loopback (port 0 = ephemeral). */
export async function startAPI(options: APIOptions & { port?: number }): Promise<RunningAPI> {
  const server = createServer(createApp(options).callback())
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
