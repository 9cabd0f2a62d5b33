import { checkScopes } from '../access-token/check-scopes.js'
import type { AuthorizationDetail, VerifyOptions } from '../types.js'
import { checkAuthorizationDetails } from './authorization-details.js'
import { checkUserAuthentication } from './check-user-authentication.js'
import { checkClaimRequirements } from './claim-requirements.js'

/** What a verified token grants: its claims, scopes and RFC 9396 authorization details (a `VerifiedToken` or an `AuthContext`). */
export interface Granted {
  readonly claims: Readonly<Record<string, unknown>>
  readonly scopes: readonly string[]
  readonly authorizationDetails?: readonly AuthorizationDetail[] | undefined
}

/**
 * Pipeline step 5 for one set of requirements: step-up (RFC 9470) first, then scopes (RFC 6750 §3.1),
 * then claim requirements, then authorization details (RFC 9396, each `check` given `request`). The
 * guard runs it for its guard-wide requirements, then for the route's: a route's requirements add to
 * the guard-wide ones and never lift them. `now` in seconds.
 */
export function enforceRequirements(granted: Granted, requirements: VerifyOptions, now: number, clockTolerance: number, request: unknown): void {
  const { claims, scopes } = granted
  const required = requirements.scopes ?? []
  if (requirements.acrValues !== undefined || requirements.maxAge !== undefined) {
    // A step-up refusal also names the scopes that are missing (STEPUP-04), so the client asks once.
    const have = new Set(scopes)
    const missing = required.some((scope) => !have.has(scope)) ? required.join(' ') : undefined
    checkUserAuthentication(claims, requirements, now, clockTolerance, missing)
  }
  checkScopes(scopes, required)
  if (requirements.claims !== undefined) checkClaimRequirements(claims, requirements.claims)
  if (requirements.authorizationDetails !== undefined) checkAuthorizationDetails(granted.authorizationDetails, requirements.authorizationDetails, request)
}
