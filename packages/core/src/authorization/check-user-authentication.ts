import { GuardError } from '../errors/guard-error.js'

/** What a route demands of the user's authentication (RFC 9470). */
export interface AuthenticationRequirement {
  /** Accepted `acr` values, in order of preference. */
  readonly acrValues?: readonly string[] | undefined
  /** Seconds allowed since the user last authenticated (`auth_time`). */
  readonly maxAge?: number | undefined
}

/**
 * RFC 9470 §3: the token's `acr` is one of `acrValues`, and `auth_time` is no older than `maxAge`
 * (a token without `auth_time`, or with one in the future, fails a `maxAge` demand: STEPUP-07, fail
 * closed; an invalid requirement throws a `TypeError`). When either fails,
 * 401 `insufficient_user_authentication` with `acr_values` and/or `max_age`, and `scope` when scopes
 * are missing as well (STEPUP-04). `now` in seconds.
 */
export function checkUserAuthentication(
  claims: Readonly<Record<string, unknown>>,
  requirement: AuthenticationRequirement,
  now: number,
  clockTolerance: number,
  missingScope: string | undefined,
): void {
  const { acrValues, maxAge } = requirement
  // Options are checked at createGuard and by checkRequirements; per-call ones to `verify` are not, and
  // an empty list or a bad number must not quietly switch a demand off (verify turns this into a 401).
  // (A string would even be matched by substring: `'myACR-strong'.includes('myACR')`.)
  if (acrValues !== undefined && !(Array.isArray(acrValues) && acrValues.length > 0 && acrValues.every(isAcrValue))) {
    throw new TypeError('fapi-guard: acrValues must be a non-empty array of ACR values (no whitespace)')
  }
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) throw new TypeError('fapi-guard: maxAge must be a non-negative integer')
  const acrFails = acrValues !== undefined && !(typeof claims.acr === 'string' && acrValues.includes(claims.acr))
  const authTime = claims.auth_time
  // An auth_time ahead of now (beyond the tolerance) is no evidence of a recent authentication.
  const ageFails =
    maxAge !== undefined &&
    !(typeof authTime === 'number' && Number.isFinite(authTime) && authTime <= now + clockTolerance && now - authTime <= maxAge + clockTolerance)
  if (!acrFails && !ageFails) return
  const description = acrFails ? 'A different authentication level is required' : 'More recent authentication is required'
  throw new GuardError('ERR_INSUFFICIENT_USER_AUTHENTICATION', description, {
    scope: missingScope,
    acrValues: acrFails ? (acrValues as readonly string[]).join(' ') : undefined,
    maxAge: ageFails ? maxAge : undefined,
  })
}

/** A non-empty string without whitespace or control characters (`acr_values` is space-separated). */
function isAcrValue(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && !/[\x00-\x20\x7F]/.test(value)
}
