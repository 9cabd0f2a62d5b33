import type { AuthenticationRequirement, AuthorizationDetailRequirement, ClaimRequirement, VerifyOptions } from '@fapi-guard/core'
import { checkRequirements } from '../options/requirements.js'

/**
 * Per-route requirements (scopes, RFC 9470 step-up `acrValues`/`maxAge`, claims, RFC 9396 authorization details), checked once where
 * the route is declared: a `TypeError` naming `where` for no requirement at all, an empty list, a
 * scope that is not a scope token (RFC 6749 §3.3), a negative or fractional `maxAge`, or something
 * that is not a claim requirement, an authorization detail requirement that is not `{ type, … }`. Returns a frozen copy with only the members given (scopes without
 * repeats), for `authorize(auth, requirements)` or `guard.verify(request, requirements)`. Checks
 * nothing about a request.
 */
export function defineRequirements(requirements: VerifyOptions, where = 'requirements'): VerifyOptions {
  const { scopes, acrValues, maxAge, claims, authorizationDetails } = checkRequirements(requirements, where)
  return Object.freeze({
    ...(scopes !== undefined && { scopes: Object.freeze([...new Set(scopes)]) }),
    ...(acrValues !== undefined && { acrValues: Object.freeze([...acrValues]) }),
    ...(maxAge !== undefined && { maxAge }),
    ...(claims !== undefined && { claims: Object.freeze([...claims]) }),
    ...(authorizationDetails !== undefined && { authorizationDetails }),
  })
}

/** Scopes a route needs, all of them (RFC 6750 §3.1: else 403 `insufficient_scope` with `scope="…"`); `defineRequirements` rules. */
export function defineScopes(scopes: readonly string[], where = 'requireScopes()'): VerifyOptions {
  return defineRequirements({ scopes }, where)
}

/**
 * RFC 9470 step-up of a route: `acrValues` and/or `maxAge` (else 401 `insufficient_user_authentication`).
 * A `TypeError` when it names neither, besides the `defineRequirements` rules.
 */
export function defineAuthentication(requirement: AuthenticationRequirement, where = 'requireAuthentication()'): VerifyOptions {
  const { acrValues, maxAge } = (requirement ?? {}) as AuthenticationRequirement
  if (acrValues === undefined && maxAge === undefined) throw new TypeError(`fapi-guard: ${where} needs "acrValues" or "maxAge"`)
  return defineRequirements({ ...(acrValues !== undefined && { acrValues }), ...(maxAge !== undefined && { maxAge }) }, where)
}

/** Claim requirements of a route (`claimEquals`, `claimIncludes`, `claimCheck`; else 403 `insufficient_scope`); `defineRequirements` rules. */
export function defineClaims(claims: readonly ClaimRequirement[], where = 'requireClaims()'): VerifyOptions {
  return defineRequirements({ claims }, where)
}

/**
 * RFC 9396 authorization details a route needs, every requirement met by some detail of the token
 * (else 403 `insufficient_authorization_details`); `defineRequirements` rules.
 */
export function defineAuthorizationDetails(requirements: readonly AuthorizationDetailRequirement[], where = 'requireAuthorizationDetails()'): VerifyOptions {
  return defineRequirements({ authorizationDetails: requirements }, where)
}
