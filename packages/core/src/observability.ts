// `@fapi-guard/core/observability`: what operators plug into `onDecision` — a logger, a tracer, a one-line description.
// The event types are named by the package's own entry (one declaration of each in the package's types).
import type { DecisionEvent, DecisionLogger, DecisionTracer } from '@fapi-guard/core'
import { describeDecision as describe, logDecisions as log, traceDecisions as trace } from './audit/decision-event.js'

export type { DecisionEvent, DecisionLogger, DecisionTracer }

/** One line describing a decision, as `NODE_DEBUG=fapi-guard` prints it. */
export const describeDecision: (event: DecisionEvent) => string = describe
/** An `onDecision` for a pino-style logger: acceptances at `info`, refusals at `warn`, the event under `fapiGuard`. */
export const logDecisions: (logger: DecisionLogger) => (event: DecisionEvent) => void = log
/** An `onDecision` for an OpenTelemetry tracer: one `fapi-guard.verify` span per decision. */
export const traceDecisions: (tracer: DecisionTracer, clock?: () => number) => (event: DecisionEvent) => void = trace
