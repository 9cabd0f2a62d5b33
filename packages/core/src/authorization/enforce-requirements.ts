import { checkScopes } from '../access-token/check-scopes.js'
import type { VerifyOptions } from '../types.js'
import { checkUserAuthentication } from './check-user-authentication.js'
import { checkClaimRequirements } from './claim-requirements.js'

/**
 * Pipeline step 5 for one set of requirements: step-up (RFC 9470) first, then scopes (RFC 6750 §3.1),
 * then claim requirements. The guard runs it for its guard-wide requirements, then for the route's: a
 * route's requirements add to the guard-wide ones and never lift them. `now` in seconds.
 */
export function enforceRequirements(
  claims: Readonly<Record<string, unknown>>,
  scopes: readonly string[],
  requirements: VerifyOptions,
  now: number,
  clockTolerance: number,
): void {
  const required = requirements.scopes ?? []
  if (requirements.acrValues !== undefined || requirements.maxAge !== undefined) {
    // A step-up refusal also names the scopes that are missing (STEPUP-04), so the client asks once.
    const granted = new Set(scopes)
    const missing = required.some((scope) => !granted.has(scope)) ? required.join(' ') : undefined
    checkUserAuthentication(claims, requirements, now, clockTolerance, missing)
  }
  checkScopes(scopes, required)
  if (requirements.claims !== undefined) checkClaimRequirements(claims, requirements.claims)
}
