import { GuardError } from '../errors/guard-error.js'

function scopeList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope.length > 0)
  if (Array.isArray(value)) return value.filter((scope): scope is string => typeof scope === 'string')
  return undefined
}

/**
 * Granted scopes: from `claim` when configured (a space-delimited string or an array: `scp`,
 * `permissions`, …; of several, the first the token carries), else `scope` split on spaces (RFC 9068 §2.2.3,
 * RFC 8693 §4.2), else `scp` (a space-delimited string or an array).
 */
export function readScopes(claims: Readonly<Record<string, unknown>>, claim?: string | readonly string[]): string[] {
  if (typeof claim === 'string') return scopeList(claims[claim]) ?? []
  if (claim !== undefined) {
    const present = claim.find((name) => claims[name] !== undefined)
    return present === undefined ? [] : scopeList(claims[present]) ?? []
  }
  if (typeof claims.scope === 'string') return scopeList(claims.scope) as string[]
  return scopeList(claims.scp) ?? []
}

/** Step 5: every required scope is granted, else 403 `insufficient_scope` naming them (RFC 6750 §3.1). */
export function checkScopes(granted: readonly string[], required: readonly string[]): void {
  if (required.length === 0) return
  const have = new Set(granted)
  if (required.every((scope) => have.has(scope))) return
  throw new GuardError('ERR_INSUFFICIENT_SCOPE', 'the access token lacks a scope this resource needs', { scope: required.join(' ') })
}
