import type { Guard } from '@fapi-guard/core'
import type { Request } from 'express'

/** What `guard()` leaves on the request for `requireScopes()` and `guardErrorHandler()`. */
export interface GuardState {
  /** The core guard that authenticated the request. */
  readonly guard: Guard
  /** Whether refusals go to `next(error)` instead of being sent. */
  readonly forwardErrors: boolean
}

// A registered symbol, so the ESM and CommonJS builds of this package see the same key.
const GUARD_STATE = Symbol.for('@fapi-guard/express:state')

/** Records which guard handled the request, under a non-enumerable symbol. */
export function setGuardState(req: Request, state: GuardState): void {
  Object.defineProperty(req, GUARD_STATE, { value: state, enumerable: false, configurable: true, writable: true })
}

/** The state `guard()` recorded, if a guard ran before. */
export function getGuardState(req: Request): GuardState | undefined {
  return (req as unknown as Record<symbol, GuardState | undefined>)[GUARD_STATE]
}
