import { GuardError, type AuthScheme } from '../errors/guard-error.js'

/** What a route demands of the user's authentication (RFC 9470). */
export interface AuthenticationRequirement {
  /** Accepted `acr` values, in order of preference. */
  readonly acrValues?: readonly string[] | undefined
  /** Seconds allowed since the user last authenticated (`auth_time`). */
  readonly maxAge?: number | undefined
}

/**
 * RFC 9470 §3: the token's `acr` is one of `acrValues`, and `auth_time` is no older than `maxAge`
 * (a token without `auth_time` fails a `maxAge` demand: STEPUP-07, fail closed). When either fails,
 * 401 `insufficient_user_authentication` with `acr_values` and/or `max_age`, and `scope` when scopes
 * are missing as well (STEPUP-04). `now` in seconds.
 */
export function checkUserAuthentication(
  claims: Readonly<Record<string, unknown>>,
  requirement: AuthenticationRequirement,
  now: number,
  clockTolerance: number,
  scheme: AuthScheme | undefined,
  missingScope: string | undefined,
): void {
  const { acrValues, maxAge } = requirement
  const acrFails = acrValues !== undefined && acrValues.length > 0 && !(typeof claims.acr === 'string' && acrValues.includes(claims.acr))
  const authTime = claims.auth_time
  const ageFails =
    maxAge !== undefined && !(typeof authTime === 'number' && Number.isFinite(authTime) && now - authTime <= maxAge + clockTolerance)
  if (!acrFails && !ageFails) return
  const description = acrFails ? 'A different authentication level is required' : 'More recent authentication is required'
  throw new GuardError('ERR_INSUFFICIENT_USER_AUTHENTICATION', description, {
    scheme,
    scope: missingScope,
    acrValues: acrFails ? (acrValues as readonly string[]).join(' ') : undefined,
    maxAge: ageFails ? maxAge : undefined,
  })
}
