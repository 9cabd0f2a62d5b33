import type { ClaimRequirement } from '../authorization/claim-requirements.js'
import { isPlainObject } from '../lib/encoding.js'
import type { AuthorizationDetailRequirement, JWSAlgorithm, Profile } from '../types.js'

// Validators shared by the option sections: each names the option in its `TypeError`.

export function fail(option: string, problem: string): never {
  throw new TypeError(`fapi-guard: option "${option}" ${problem}`)
}

/** Refuses a key of `value` that `known` does not list (`known` is tied to the option's interface by `satisfies`). */
export function checkKnownKeys(option: string, value: Record<string, unknown>, known: Readonly<Record<string, true>>, what = 'option'): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) fail(option === '' ? key : `${option}.${key}`, `is not a known ${what}`)
  }
}

export function checkNumber(option: string, value: unknown, fallback: number, { min = 0, integer = false } = {}): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    fail(option, `must be a finite ${integer ? 'integer' : 'number'} of at least ${min}`)
  }
  return value
}

export function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(option, 'must be a boolean')
  return value
}

export function checkStringList(option: string, value: unknown, { allowEmpty }: { allowEmpty: boolean }): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list)) fail(option, 'must be a string or an array of strings')
  if (!allowEmpty && list.length === 0) fail(option, 'must not be empty')
  for (const item of list) {
    if (typeof item !== 'string' || item.length === 0) fail(option, 'must contain only non-empty strings')
  }
  return list as string[]
}

export function checkScopeTokens(option: string, value: unknown): string[] {
  const scopes = typeof value === 'string' ? [value] : value
  if (!Array.isArray(scopes)) fail(option, 'must be a string or an array of strings')
  // RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  for (const scope of scopes as unknown[]) {
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      fail(option, `has ${JSON.stringify(scope)}, which is not a valid scope token`)
    }
  }
  return scopes as string[]
}

export function checkAlgorithms(option: string, value: unknown, allowed: readonly JWSAlgorithm[], profile: Profile): JWSAlgorithm[] {
  if (value === undefined) return [...allowed]
  const list = checkStringList(option, value, { allowEmpty: false })
  for (const alg of list) {
    if (!(allowed as readonly string[]).includes(alg)) {
      fail(option, `has "${alg}", which profile "${profile}" does not allow (allowed: ${allowed.join(', ')})`)
    }
  }
  return [...new Set(list)] as JWSAlgorithm[]
}
/** `false`, or an options object of `known` keys (`undefined` and `true` are the defaults: `{}`). */
export function checkSwitch(option: string, value: unknown, known: Readonly<Record<string, true>>): Record<string, unknown> | false {
  if (value === false) return false
  if (value === undefined || value === true) return {}
  if (!isPlainObject(value)) fail(option, 'must be false or an options object')
  checkKnownKeys(option, value, known)
  return value
}

export function checkFunction(option: string, value: unknown): unknown {
  if (value !== undefined && typeof value !== 'function') fail(option, 'must be a function')
  return value
}

/** RFC 9470 §3: `acr_values` is space-separated, so no value may hold whitespace (or a control character, which a challenge drops). */
export function checkAcrValues(option: string, value: unknown): string[] {
  const list = checkStringList(option, value, { allowEmpty: false })
  for (const acr of list) {
    if (/[\x00-\x20\x7F]/.test(acr)) fail(option, `has ${JSON.stringify(acr)}; ACR values cannot contain whitespace or control characters`)
  }
  return list
}

/** A claim name, or a non-empty list of them tried in order (`scopeClaim`, `clientIdClaim`). */
export function checkClaimNames(option: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  const list: unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((name) => typeof name === 'string' && name.length > 0)) {
    fail(option, 'must be a non-empty string (a claim name) or a non-empty array of them')
  }
  return list as string[]
}

/** Claim requirements made by `claimEquals`, `claimIncludes`, `claimCheck`. */
export function checkClaimRequirementList(option: string, value: unknown): ClaimRequirement[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(option, 'must be an array of claim requirements (claimEquals, claimIncludes, claimCheck)')
  for (const item of value as unknown[]) {
    if (!isPlainObject(item) || typeof item.check !== 'function' || typeof item.description !== 'string') {
      fail(option, 'must contain only claim requirements made by claimEquals, claimIncludes or claimCheck')
    }
  }
  return value as ClaimRequirement[]
}

const DETAIL_REQUIREMENT_KEYS = {
  type: true,
  actions: true,
  locations: true,
  datatypes: true,
  privileges: true,
  identifier: true,
  check: true,
  description: true,
} satisfies Record<keyof AuthorizationDetailRequirement, true>

/**
 * RFC 9396 authorization detail requirements: a non-empty array of `{ type, actions?, locations?,
 * datatypes?, privileges?, identifier?, check?, description? }` — `type` and `identifier` non-empty
 * strings, the lists non-empty arrays of non-empty strings, `check` a function; unknown keys refused.
 * Returns a frozen copy (lists frozen too).
 */
export function checkAuthorizationDetailRequirementList(option: string, value: unknown): readonly AuthorizationDetailRequirement[] {
  if (!Array.isArray(value) || value.length === 0) fail(option, 'must hold at least one authorization detail requirement ({ type, actions?, locations?, … })')
  return Object.freeze(
    (value as unknown[]).map((item, i) => {
      const where = `${option}[${i}]`
      if (!isPlainObject(item)) fail(where, 'must be { type, actions?, locations?, datatypes?, privileges?, identifier?, check?, description? }')
      checkKnownKeys(where, item, DETAIL_REQUIREMENT_KEYS, 'member (type, actions, locations, datatypes, privileges, identifier, check, description)')
      const nonEmpty = (member: string) => typeof item[member] === 'string' && (item[member] as string).length > 0
      if (!nonEmpty('type')) fail(`${where}.type`, 'must be a non-empty string')
      const copy: Record<string, unknown> = { type: item.type }
      for (const member of ['actions', 'locations', 'datatypes', 'privileges']) {
        if (item[member] === undefined) continue
        if (!Array.isArray(item[member])) fail(`${where}.${member}`, 'must be an array of strings')
        copy[member] = Object.freeze(checkStringList(`${where}.${member}`, item[member], { allowEmpty: false }))
      }
      for (const member of ['identifier', 'description']) {
        if (item[member] === undefined) continue
        if (!nonEmpty(member)) fail(`${where}.${member}`, 'must be a non-empty string')
        copy[member] = item[member]
      }
      if (item.check !== undefined) copy.check = checkFunction(`${where}.check`, item.check)
      return Object.freeze(copy) as unknown as AuthorizationDetailRequirement
    }),
  )
}
