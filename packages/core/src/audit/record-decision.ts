import { describeCauses } from '../errors/diagnosis.js'
import type { GuardError } from '../errors/guard-error.js'
import type { InteractionId } from '../request/read-fapi-headers.js'
import type { AuthContext, RequestLike } from '../types.js'
import { describeDecision, type DecisionEvent } from './decision-event.js'

/** What the pipeline records for `onDecision` as it goes. */
export interface Trace {
  readonly started: number
  readonly checks: string[]
  kid: string | undefined
  nonce: 'valid' | 'renewed' | undefined
  /** Set once a DPoP proof passed the replay check (its `jti` is spent, whatever is decided after). */
  replay: 'first-use' | undefined
  interaction: InteractionId | undefined
}

/** A fresh trace for one `verify` call. */
export function startTrace(interaction: InteractionId | undefined): Trace {
  return { started: performance.now(), checks: [], kid: undefined, nonce: undefined, replay: undefined, interaction }
}

/** Where decisions go: the `onDecision` hook and the platform's debug log (`NODE_DEBUG=fapi-guard`). */
export interface DecisionSinks {
  readonly onDecision: ((event: DecisionEvent) => void) | undefined
  readonly debug: ((message: string) => void) | undefined
  /** Whether a peer address is a trusted proxy (`proxy.trusted`). */
  readonly trusted: (address: string | undefined) => boolean
}

/** The event of one decision: the refusal's code and cause, or who was let in, and what was checked. */
export function decisionEvent(request: Request | RequestLike, trace: Trace, auth: AuthContext | undefined, refusal: GuardError | undefined, trusted: DecisionSinks['trusted']): DecisionEvent {
  const peerAddress = typeof request === 'object' && request !== null ? (request as RequestLike).peerAddress : undefined
  const binding = auth === undefined ? undefined : auth.binding.dpop !== undefined ? (auth.binding.mtls !== undefined ? 'dpop+mtls' : 'dpop') : auth.binding.mtls !== undefined ? 'mtls' : 'none'
  const code = refusal?.code
  const nonce = trace.nonce ?? (code === 'ERR_DPOP_NONCE_REQUIRED' ? 'missing' : code === 'ERR_DPOP_NONCE_INVALID' ? 'invalid' : undefined)
  const replay = code === 'ERR_DPOP_PROOF_REPLAYED' ? 'replayed' : trace.replay
  const cause = describeCauses(refusal, true)
  const interaction = trace.interaction
  return {
    outcome: auth === undefined ? 'refused' : 'accepted',
    ...(refusal !== undefined && { status: refusal.status, error: refusal.error, code: refusal.code, description: refusal.description }),
    ...(cause !== undefined && { cause }),
    ...(auth !== undefined && {
      issuer: auth.issuer,
      ...(auth.clientId !== undefined && { clientId: auth.clientId }),
      ...(auth.subject !== undefined && { subject: auth.subject }),
    }),
    ...(binding !== undefined && { binding }),
    checks: trace.checks,
    ...(trace.kid !== undefined && { kid: trace.kid }),
    ...((nonce !== undefined || replay !== undefined) && { dpop: { ...(nonce !== undefined && { nonce }), ...(replay !== undefined && { replay }) } }),
    proxy: { peerAddress, trusted: trusted(peerAddress) },
    ...(interaction !== undefined && { interactionId: interaction.value, ...(interaction.replaced && { interactionIdReplaced: true }) }),
    durationMicros: Math.round((performance.now() - trace.started) * 1000),
  }
}

/** Hands the decision to `onDecision` and the debug log; a failing hook (throwing, or an async one rejecting) never changes the decision. */
export function recordDecision(sinks: DecisionSinks, request: Request | RequestLike, trace: Trace, auth: AuthContext | undefined, refusal: GuardError | undefined): void {
  const hook = sinks.onDecision
  if (hook === undefined && sinks.debug === undefined) return
  const event = decisionEvent(request, trace, auth, refusal, sinks.trusted)
  sinks.debug?.(describeDecision(event))
  if (hook === undefined) return
  try {
    const result: unknown = hook(event)
    // An async hook's rejection would otherwise be unhandled (and end a Node process).
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(result).catch(() => {})
  } catch {
    // An audit hook that throws must not turn a decision into an error.
  }
}
