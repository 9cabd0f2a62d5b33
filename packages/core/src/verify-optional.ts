import { isMissingCredentials } from './errors/guard-error.js'
import type { Guard } from './pipeline/guard.js'
import type { AuthContext, RequestLike, VerifyOptions } from './types.js'

/**
 * Optional authentication for a Fetch or serverless handler — the `passthrough` of the adapters:
 * resolves to `undefined` when the request carries no credentials at all (no `Authorization`
 * header, or a scheme the guard does not take: `ERR_NO_CREDENTIALS`, RFC 6750 §3.1) and
 * `requirements` asks for nothing; otherwise it is `guard.verify(request, requirements)`, and
 * rejects with that `GuardError` (for `toResponse`) — a present credential is always verified in
 * full. With requirements, a request without credentials is refused with the 401 challenge.
 */
export async function verifyOptional(guard: Guard, request: Request | RequestLike, requirements?: VerifyOptions): Promise<AuthContext | undefined> {
  try {
    return await guard.verify(request, requirements)
  } catch (error) {
    const refusal = guard.toGuardError(error)
    const required = requirements !== undefined && Object.values(requirements).some((value) => value !== undefined)
    if (isMissingCredentials(refusal) && !required) return undefined
    throw refusal
  }
}
