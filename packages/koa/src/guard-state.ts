import type { Guard, GuardError } from '@fapi-guard/core'
import type { Context } from 'koa'

/** What `guard()` leaves on the context for `requireAuthorization()` and its shorthands. */
export interface GuardState {
  /** The core guard that handled the request. */
  readonly guard: Guard
  /** With `passthrough`, the refusal a request without credentials would have had (for `requireAuthorization()`). */
  readonly refusal?: GuardError
}

// A registered symbol, so the ESM and CommonJS builds of this package see the same key.
const GUARD_STATE = Symbol.for('@fapi-guard/koa:state')

/** Records which guard handled the request, under a non-enumerable symbol. */
export function setGuardState(ctx: Context, state: GuardState): void {
  Object.defineProperty(ctx, GUARD_STATE, { value: state, enumerable: false, configurable: true, writable: true })
}

/** The state `guard()` recorded, if a guard ran before on this request. */
export function getGuardState(ctx: Context): GuardState | undefined {
  return (ctx as unknown as Record<symbol, GuardState | undefined>)[GUARD_STATE]
}
