import { fapiGuard, requireScopes, type HonoGuardOptions } from '@fapi-guard/hono'
import { Hono } from 'hono'

/**
 * The protected API, the same on every runtime: `GET /accounts` needs a valid access token with scope
 * `accounts:read`. Default FAPI 2.0 profile, so the token must be sender-constrained — DPoP-bound
 * (RFC 9449) or certificate-bound (RFC 8705). Nothing here is specific to a runtime.
 */
export function createApp(options: HonoGuardOptions & { passthrough?: false }): Hono {
  const app = new Hono()
  app.use('/accounts', fapiGuard(options))
  app.get('/accounts', requireScopes('accounts:read'), (c) =>
    c.json({ owner: c.get('auth').subject, accounts: [{ id: 'acc-1', currency: 'EUR', balance: '1024.50' }] }),
  )
  return app
}
