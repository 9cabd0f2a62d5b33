// Core types by the package's own name: the declarations of this subpath then use the main entry's (one
// GuardError class for both), and the declaration build keeps them out of a shared chunk.
import type { AuthContext, Guard, GuardError, VerifyOptions } from '@fapi-guard/core'

import { isMissingCredentials as isNoCredentials } from '../errors/guard-error.js'
import { verifiedBy } from '../pipeline/verified-by.js'

// A registered symbol: every copy of the core in the process (its ESM and CommonJS builds, each entry
// point of the CommonJS build) shares the same map. Weak: it keeps nothing alive.
const PASSED_WITHOUT_CREDENTIALS = Symbol.for('@fapi-guard/core:passed-without-credentials')
const registry = globalThis as Record<symbol, unknown>
const passed = (registry[PASSED_WITHOUT_CREDENTIALS] ??= new WeakMap()) as WeakMap<object, GuardError>

/** The guard that verified `auth`; `undefined` for an AuthContext no guard made. */
export function guardOf(auth: AuthContext): Guard | undefined {
  return typeof auth === 'object' && auth !== null ? (verifiedBy.get(auth) as Guard | undefined) : undefined
}

/**
 * Per-route requirements on a verified `AuthContext`, checked by the guard that verified it
 * (`guard.authorize`), so middleware after the guard needs no guard handed to it. Throws that guard's
 * `GuardError` (403 `insufficient_scope`, 401 `insufficient_user_authentication`, with its challenge).
 * An `AuthContext` no guard made (built by hand, or copied) is a `TypeError`: a mistake in the code
 * that calls it, not a refusal of the request. Give it requirements from `defineRequirements`, and
 * the framework's request object as `request`: the `check` of each `authorizationDetails` requirement gets it.
 */
export function authorize(auth: AuthContext, requirements: VerifyOptions, request?: unknown): void {
  const guard = guardOf(auth)
  if (guard === undefined) throw new TypeError('fapi-guard: authorize() takes an AuthContext that guard.verify() returned')
  guard.authorize(auth, requirements, request)
}

/** True for the refusal `passthrough` lets a request go on with: it carried no credentials at all (RFC 6750 §3.1, `ERR_NO_CREDENTIALS`). */
export const isMissingCredentials: (refusal: GuardError) => boolean = isNoCredentials

/**
 * Passthrough: records that the framework's `request` went on without credentials, and the refusal it
 * would have had, so a later per-route requirement answers with that 401 challenge (`passedRefusal`).
 */
export function passWithoutCredentials(request: object, refusal: GuardError): void {
  passed.set(request, refusal)
}

/** The refusal `passWithoutCredentials` recorded for `request`; `undefined` when it was not let on without credentials. */
export function passedRefusal(request: object): GuardError | undefined {
  return passed.get(request)
}
