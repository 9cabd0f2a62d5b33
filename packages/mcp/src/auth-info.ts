import type { AuthContext } from '@fapi-guard/core'
import { guardOf } from '@fapi-guard/core/adapter'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'

/** Where `AuthInfo.extra` keeps the guard's `AuthContext`. */
const CONTEXT_KEY = 'fapiGuard'

/**
 * The SDK's `AuthInfo` of a verified request: `token`, `clientId` (`''` when the token names none),
 * `scopes`, `expiresAt` (the token's `exp`, seconds), `resource` (the MCP server's URL, which the
 * token's audience named), and the guard's `AuthContext` in `extra.fapiGuard`.
 */
export function toAuthInfo(auth: AuthContext, resource: URL): AuthInfo {
  const { exp } = auth.claims as { exp?: unknown }
  return {
    token: auth.token,
    clientId: auth.clientId ?? '',
    scopes: [...auth.scopes],
    ...(typeof exp === 'number' && { expiresAt: exp }),
    resource: new URL(resource.href),
    extra: { [CONTEXT_KEY]: auth },
  }
}

/**
 * The guard's `AuthContext` behind an `AuthInfo` that `mcpAuth` or `createTokenVerifier` made (a tool
 * handler's `extra.authInfo`): binding, claims, interaction id. `undefined` for any other `AuthInfo`.
 */
export function fapiGuardContext(authInfo: AuthInfo | undefined): AuthContext | undefined {
  const candidate = authInfo?.extra?.[CONTEXT_KEY] as AuthContext | undefined
  return candidate !== undefined && guardOf(candidate) !== undefined ? candidate : undefined
}
