import { GuardError } from '../errors/guard-error.js'
import { isPlainObject } from '../lib/encoding.js'
import type { AuthContext, AuthorizationDetail, AuthorizationDetailRequirement } from '../types.js'

/** RFC 9396 §2.2: the common members that are arrays of strings. */
const STRING_ARRAY_MEMBERS = ['actions', 'locations', 'datatypes', 'privileges'] as const

/** Detail arrays already checked: claims are frozen and a cached token hands the same array to every request. */
const checked = new WeakSet<object>()

/**
 * RFC 9396 §9.1 (JWT claim) and §9.2 (introspection member): `authorization_details`, when present,
 * is an array of objects, each with a non-empty string `type`; `locations`, `actions`, `datatypes`,
 * `privileges` arrays of strings and `identifier` a string (§2.2). Else 401 `invalid_token`
 * (`ERR_AUTHORIZATION_DETAILS_INVALID`), with or without a requirement: a token whose rights cannot be
 * read is not used. `undefined` when absent. The claims are frozen already, so the array is returned as is.
 */
export function readAuthorizationDetails(claims: Readonly<Record<string, unknown>>): readonly AuthorizationDetail[] | undefined {
  const details = claims.authorization_details
  if (details === undefined) return undefined
  if (typeof details === 'object' && details !== null && checked.has(details)) return details as readonly AuthorizationDetail[]
  if (!Array.isArray(details)) throw invalid(' is not an array')
  details.forEach((detail: unknown, i) => {
    if (!isPlainObject(detail)) throw invalid(`[${i}] is not an object`)
    if (typeof detail.type !== 'string' || detail.type.length === 0) throw invalid(`[${i}].type is not a non-empty string`)
    for (const member of STRING_ARRAY_MEMBERS) {
      const value = detail[member]
      if (value !== undefined && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) throw invalid(`[${i}].${member} is not an array of strings`)
    }
    if (detail.identifier !== undefined && typeof detail.identifier !== 'string') throw invalid(`[${i}].identifier is not a string`)
  })
  checked.add(details)
  return details as readonly AuthorizationDetail[]
}

function invalid(problem: string): GuardError {
  return new GuardError('ERR_AUTHORIZATION_DETAILS_INVALID', `the token's authorization_details${problem}`)
}

/**
 * Every requirement is met by some detail of the token, else 403 `insufficient_authorization_details`
 * (draft-ietf-oauth-rar-metadata-remediation-00) naming the first requirement that is not. A throwing
 * `check` counts as not met (fail closed). `request` is handed to each `check`.
 */
export function checkAuthorizationDetails(
  details: readonly AuthorizationDetail[] | undefined,
  requirements: readonly AuthorizationDetailRequirement[],
  request: unknown,
): void {
  for (const requirement of requirements) {
    if (!(details ?? []).some((detail) => meets(detail, requirement, request))) {
      throw new GuardError('ERR_INSUFFICIENT_AUTHORIZATION_DETAILS', requirement.description ?? describe(requirement))
    }
  }
}

function meets(detail: AuthorizationDetail, requirement: AuthorizationDetailRequirement, request: unknown): boolean {
  if (detail.type !== requirement.type) return false
  for (const member of STRING_ARRAY_MEMBERS) {
    const wanted = requirement[member]
    if (wanted !== undefined && !wanted.every((value) => detail[member]?.includes(value) === true)) return false
  }
  if (requirement.identifier !== undefined && detail.identifier !== requirement.identifier) return false
  if (requirement.check === undefined) return true
  try {
    return requirement.check(detail, request) === true
  } catch {
    return false
  }
}

/** `an authorization detail of type "payment_initiation" with actions "initiate", locations "https://…" is required`. */
function describe(requirement: AuthorizationDetailRequirement): string {
  const listed = STRING_ARRAY_MEMBERS.filter((member) => requirement[member] !== undefined).map((member) => `${member} "${requirement[member]?.join(' ')}"`)
  if (requirement.identifier !== undefined) listed.push(`identifier "${requirement.identifier}"`)
  if (requirement.check !== undefined) listed.push("the route's conditions met")
  return `an authorization detail of type "${requirement.type}"${listed.length === 0 ? '' : ` with ${listed.join(', ')}`} is required`
}

/**
 * The consent id a token carries, for the API to look the consent up: the UK's `openbanking_intent_id`
 * claim; else the first authorization detail's `consent` (a string, or an object with `ConsentId` —
 * UAE —, `consentId` or `id`) or, failing that, its `identifier`; else a `consent:<id>` scope
 * (Brazil: `consent:urn:bank:…` gives `urn:bank:…`). `undefined` when it carries none.
 */
export function readConsentId(auth: AuthContext): string | undefined {
  const intent = auth.claims.openbanking_intent_id
  if (nonEmpty(intent)) return intent
  for (const detail of auth.authorizationDetails ?? []) {
    const consent = detail.consent
    if (nonEmpty(consent)) return consent
    if (isPlainObject(consent)) {
      for (const member of ['ConsentId', 'consentId', 'id']) if (nonEmpty(consent[member])) return consent[member] as string
    }
  }
  for (const detail of auth.authorizationDetails ?? []) if (nonEmpty(detail.identifier)) return detail.identifier
  for (const scope of auth.scopes) if (scope.startsWith('consent:') && scope.length > 'consent:'.length) return scope.slice('consent:'.length)
  return undefined
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}
