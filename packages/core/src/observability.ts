// `@fapi-guard/core/observability`: what operators plug into `onDecision` — a logger, a tracer, the event type.
export { describeDecision, logDecisions, traceDecisions } from './audit/decision-event.js'
export type { DecisionEvent, DecisionLogger, DecisionTracer } from './audit/decision-event.js'
