import { GuardError, type AuthScheme } from '../errors/guard-error.js'

/** Granted scopes: `scope` split on spaces (RFC 9068 §2.2.3, RFC 8693 §4.2), else the `scp` array. */
export function readScopes(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter((scope) => scope.length > 0)
  if (Array.isArray(claims.scp)) return claims.scp.filter((scope): scope is string => typeof scope === 'string')
  return []
}

/** Step 5: every required scope is granted, else 403 `insufficient_scope` naming them (RFC 6750 §3.1). */
export function checkScopes(granted: readonly string[], required: readonly string[], scheme: AuthScheme | undefined): void {
  if (required.length === 0) return
  const have = new Set(granted)
  if (required.every((scope) => have.has(scope))) return
  throw new GuardError('ERR_INSUFFICIENT_SCOPE', 'the access token lacks a scope this resource needs', {
    scheme,
    scope: required.join(' '),
  })
}
