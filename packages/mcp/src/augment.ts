import type { AuthContext } from '@fapi-guard/core'

declare global {
  namespace Express {
    interface Request {
      /**
       * What `mcpAuth()` verified: the guard's `AuthContext` (token, claims, scopes, sender binding).
       * `req.auth` holds the SDK's `AuthInfo` of the same token; this name does not clash with it.
       */
      fapiGuard?: AuthContext
    }
  }
}

export {}
