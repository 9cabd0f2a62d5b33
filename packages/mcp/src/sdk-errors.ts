import type { GuardError } from '@fapi-guard/core'
// The SDK is a peer dependency, never bundled: the ESM build imports these classes from the SDK's ESM
// build, the CommonJS build requires its CommonJS build — the copy `requireBearerAuth` tests with
// `instanceof` in the application's module system, so a refusal is a 401, never the 500 of a stranger class.
import { InsufficientScopeError, InvalidTokenError, ServerError, type OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js'

/** Refusals that mean the token is bound to a key or certificate this hook cannot see. */
const BOUND = new Set(['ERR_DPOP_BINDING_SCHEME_MISMATCH', 'ERR_MTLS_CERTIFICATE_MISSING'])
const BOUND_MESSAGE =
  'the access token is sender-constrained (DPoP or certificate); an OAuthTokenVerifier sees the token only, not the proof or the certificate: protect this server with mcpAuth from @fapi-guard/mcp'
const UNBOUND_REQUIRED_MESSAGE =
  'this guard requires sender-constrained tokens (DPoP or certificate), which requireBearerAuth cannot check: protect this server with mcpAuth from @fapi-guard/mcp'

/** The SDK renders the message inside a quoted-string of `WWW-Authenticate` without escaping it. */
function headerSafe(text: string): string {
  return text.replace(/["\\\x00-\x1f\x7f]/g, "'")
}

/**
 * The SDK error `requireBearerAuth` answers a refusal with: `InvalidTokenError` (401) for every
 * refusal of the token or request, `InsufficientScopeError` (403) for the guard-wide requirements,
 * `ServerError` for a guard that could not decide (the issuer's keys unavailable: the SDK answers
 * 500, having no 503).
 */
export function toSdkError(refusal: GuardError): OAuthError {
  if (BOUND.has(refusal.code)) return new InvalidTokenError(BOUND_MESSAGE)
  if (refusal.code === 'ERR_TOKEN_NOT_SENDER_CONSTRAINED') return new InvalidTokenError(UNBOUND_REQUIRED_MESSAGE)
  const message = headerSafe(refusal.description)
  if (refusal.status >= 500) return new ServerError(message)
  if (refusal.status === 403) return new InsufficientScopeError(message)
  return new InvalidTokenError(message)
}
