import { isPlainObject } from '../lib/encoding.js'
import type { VerifyOptions } from '../types.js'
import { checkAcrValues, checkAuthorizationDetailRequirementList, checkClaimRequirementList, checkKnownKeys, checkNumber, checkScopeTokens, fail } from './check.js'

const REQUIREMENT_KEYS = { scopes: true, acrValues: true, maxAge: true, claims: true, authorizationDetails: true } satisfies Record<keyof VerifyOptions, true>

/**
 * Checks per-route requirements once, where the route is declared (adapters' `requireScopes`,
 * `requireAuthentication`, `requireClaims`, decorators) or, for `verify(request, requirements)`, on the
 * first call with that object (where `{}` asks for nothing more: `allowEmpty`): a `TypeError` naming `where` for an unknown key, an invalid scope token, an
 * empty list, a negative or fractional `maxAge`, something that is not a claim requirement, or an
 * authorization detail requirement that is not `{ type, actions?, … }`. Returns the requirements, the
 * `authorizationDetails` a frozen copy.
 */
export function checkRequirements(requirements: VerifyOptions, where: string, { allowEmpty = false }: { allowEmpty?: boolean } = {}): VerifyOptions {
  if (!isPlainObject(requirements)) throw new TypeError(`fapi-guard: ${where} needs requirements`)
  checkKnownKeys(`${where}`, requirements as Record<string, unknown>, REQUIREMENT_KEYS, 'requirement (scopes, acrValues, maxAge, claims, authorizationDetails)')
  const { scopes, acrValues, maxAge, claims, authorizationDetails } = requirements
  if (!allowEmpty && Object.values(requirements).every((value) => value === undefined)) {
    throw new TypeError(`fapi-guard: ${where} names no requirement (scopes, acrValues, maxAge, claims or authorizationDetails)`)
  }
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || scopes.length === 0) fail(`${where} scopes`, 'must name at least one scope')
    checkScopeTokens(`${where} scopes`, scopes)
  }
  if (acrValues !== undefined) {
    // Used as given (not normalized), so a lone string is refused here rather than matched by substring later.
    if (!Array.isArray(acrValues)) fail(`${where} acrValues`, 'must be an array of ACR values')
    checkAcrValues(`${where} acrValues`, acrValues)
  }
  if (maxAge !== undefined) checkNumber(`${where} maxAge`, maxAge, 0, { integer: true })
  if (claims !== undefined) {
    if (!Array.isArray(claims) || claims.length === 0) fail(`${where} claims`, 'must hold at least one claim requirement')
    checkClaimRequirementList(`${where} claims`, claims)
  }
  if (authorizationDetails === undefined) return requirements
  return { ...requirements, authorizationDetails: checkAuthorizationDetailRequirementList(`${where} authorizationDetails`, authorizationDetails) }
}
