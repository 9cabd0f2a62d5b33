import type { AuthContext } from '@fapi-guard/core'

/**
 * The Hono `Env` of a route behind `fapiGuard()`: `c.get('auth')` / `c.var.auth` is the verified
 * `AuthContext`. The middleware carries it, so routes chained after it are typed without a generic
 * on `new Hono()`; `new Hono<FapiGuardEnv>()` types every route of an app that is guarded as a whole.
 */
export interface FapiGuardEnv {
  Variables: {
    /** What the guard verified: the access token, its claims, scopes and sender binding. */
    auth: AuthContext
  }
}

/** The `Env` of a route behind `fapiGuard({ passthrough: true })`: `auth` is absent for a request without credentials. */
export interface FapiGuardOptionalEnv {
  Variables: {
    /** What the guard verified; `undefined` when `passthrough` let a request without credentials on. */
    auth: AuthContext | undefined
  }
}
