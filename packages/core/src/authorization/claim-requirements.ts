import { GuardError } from '../errors/guard-error.js'
import type { ClaimRequirement } from '../types.js'

export type { ClaimRequirement } from '../types.js'

type ClaimValue = string | number | boolean

/** The claim equals `value` exactly (`===`). */
export function claimEquals(name: string, value: ClaimValue): ClaimRequirement {
  checkName(name)
  return { description: `the "${name}" claim does not have the required value`, check: (claims) => claims[name] === value }
}

/**
 * The claim contains every one of `values`: an array claim holds each, or a space-delimited string
 * claim lists each (as `scope` does).
 */
export function claimIncludes(name: string, ...values: ClaimValue[]): ClaimRequirement {
  checkName(name)
  if (values.length === 0) throw new TypeError('fapi-guard: claimIncludes needs at least one value')
  return {
    description: `the "${name}" claim does not include every required value`,
    check: (claims) => {
      const claim = claims[name]
      const have: readonly unknown[] = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : []
      return values.every((value) => have.includes(value))
    },
  }
}

/** Any check of the claims; a check that throws counts as not met. */
export function claimCheck(check: (claims: Readonly<Record<string, unknown>>) => boolean, description = 'a claim requirement of this resource is not met'): ClaimRequirement {
  if (typeof check !== 'function') throw new TypeError('fapi-guard: claimCheck needs a function')
  return { description, check }
}

function checkName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('fapi-guard: a claim requirement needs a claim name')
}

/** Every requirement holds, else 403 `insufficient_scope` naming the first one that does not (fail closed on a throw). */
export function checkClaimRequirements(claims: Readonly<Record<string, unknown>>, requirements: readonly ClaimRequirement[]): void {
  for (const requirement of requirements) {
    let met: boolean
    try {
      met = requirement.check(claims) === true
    } catch {
      met = false
    }
    if (!met) throw new GuardError('ERR_CLAIM_CHECK_FAILED', requirement.description)
  }
}
