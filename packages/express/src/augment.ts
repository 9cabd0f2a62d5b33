import type { AuthContext } from '@fapi-guard/core'

declare global {
  namespace Express {
    interface Request {
      /**
       * What `guard()` verified: the access token, its claims, scopes and sender binding.
       * Set only after a successful verification; a refused request never reaches the route. With
       * `passthrough: true`, `undefined` on a request that carried no credentials.
       */
      auth?: AuthContext
    }
  }
}

export {}
