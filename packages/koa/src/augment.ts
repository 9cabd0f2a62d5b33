import type { AuthContext } from '@fapi-guard/core'

declare module 'koa' {
  interface DefaultState {
    /**
     * What `guard()` verified: the access token, its claims, scopes and sender binding. Set only
     * after a successful verification; absent when `passthrough` let a request without credentials on.
     */
    auth?: AuthContext
  }
}

export {}
