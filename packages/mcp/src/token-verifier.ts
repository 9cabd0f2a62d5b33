import type { Guard } from '@fapi-guard/core'
import { isGuard, resolveAdapterGuard } from '@fapi-guard/core/adapter'
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js'
import { toAuthInfo } from './auth-info.js'
import { resourceOf, toGuardOptions, type McpGuardOptions } from './options.js'
import { toSdkError } from './sdk-errors.js'

const WHERE = 'createTokenVerifier()'

/** Options of `createTokenVerifier`: `McpGuardOptions` under the `oauth2` profile (the default here). */
export type TokenVerifierOptions = McpGuardOptions

function buildGuard(options: TokenVerifierOptions): Guard {
  const profile = (options as { profile?: unknown } | null)?.profile ?? 'oauth2'
  if (profile !== 'oauth2') {
    throw new TypeError(
      `fapi-guard: ${WHERE} serves unbound Bearer tokens only (profile "oauth2"): the ${String(profile)} profile requires DPoP- or certificate-bound tokens, whose proof an OAuthTokenVerifier never sees; use mcpAuth()`,
    )
  }
  return resolveAdapterGuard({ ...toGuardOptions(options, WHERE), profile }, undefined, []).guard
}

/**
 * An `OAuthTokenVerifier` for the SDK's `requireBearerAuth({ verifier })`: verifies the token with a
 * fapi-guard guard (signature, issuer, audience = the MCP server's URL, lifetime, guard-wide
 * requirements) and fills the SDK's `AuthInfo` (`clientId`, `scopes`, `expiresAt`, `resource`; the
 * guard's `AuthContext` in `extra.fapiGuard`). Refusals are the SDK's own error classes, from the copy
 * the application loads: `InvalidTokenError` (401), `InsufficientScopeError` (403), `ServerError`
 * (500, for an issuer whose keys cannot be fetched).
 *
 * The hook sees the token string only, so DPoP- and certificate-bound tokens are refused
 * (`InvalidTokenError` saying so): their proof cannot be checked here. Use `mcpAuth` for them.
 * Built from options, the guard's profile is `oauth2`; a FAPI profile is a `TypeError`.
 */
export function createTokenVerifier(options: TokenVerifierOptions | Guard): OAuthTokenVerifier {
  const guard = isGuard(options) ? options : buildGuard(options)
  const resource = resourceOf(guard, WHERE)
  return {
    async verifyAccessToken(token: string) {
      try {
        // The request as far as this hook knows it: the token, sent with the Bearer scheme to the server's URL.
        const auth = await guard.verify({ method: 'POST', url: resource.href, headers: { authorization: `Bearer ${token}` } })
        return toAuthInfo(auth, resource)
      } catch (error) {
        throw toSdkError(guard.toGuardError(error))
      }
    },
  }
}
