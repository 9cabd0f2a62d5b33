import type { Guard, GuardError } from '@fapi-guard/core'
import type { Request } from 'express'

/** What `guard()` leaves on the request for `requireScopes()` and `guardErrorHandler()`. */
export interface GuardState {
  /** The core guard that authenticated the request. */
  readonly guard: Guard
  /** Whether refusals go to `next(error)` instead of being sent. */
  readonly forwardErrors: boolean
  /** With `passthrough`, the refusal a request without credentials would have had (for `requireAuthorization()`). */
  readonly refusal?: GuardError
}

// One map for every copy of this package in the process (the ESM and CommonJS builds each load this
// module), found under a registered symbol. A WeakMap leaves the request object's shape alone: a
// property defined on each request costs Express's hot path more than the lookup costs here.
const STATES = Symbol.for('@fapi-guard/express:states')
const states: WeakMap<Request, GuardState> = ((globalThis as Record<symbol, unknown>)[STATES] ??= new WeakMap()) as WeakMap<Request, GuardState>

/** Records which guard handled the request. */
export function setGuardState(req: Request, state: GuardState): void {
  states.set(req, state)
}

/** The state `guard()` recorded, if a guard ran before. */
export function getGuardState(req: Request): GuardState | undefined {
  return states.get(req)
}
