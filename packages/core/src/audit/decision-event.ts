import type { ErrorCode, OAuthErrorCode } from '../errors/codes.js'

/** What `onDecision` receives after every `verify`: enough to audit, never the token or a secret. */
export interface DecisionEvent {
  readonly outcome: 'accepted' | 'refused'
  /** For refusals: HTTP status, OAuth error and `ERR_*` code. */
  readonly status?: number
  readonly error?: OAuthErrorCode | undefined
  readonly code?: ErrorCode
  readonly description?: string
  /**
   * For operators, refusals only: what lies behind the description — the token's `iss` or `aud` beside
   * the configured ones, the URL the API computed for `htu` beside the proof's and how it came to it
   * (forwarded headers believed or ignored, from which peer), why keys or introspection are
   * unavailable. Never a token, proof, secret, or an endpoint's query or userinfo.
   */
  readonly cause?: string
  /** Who vouched for the token, for whom, about whom (when known). */
  readonly issuer?: string
  readonly clientId?: string
  readonly subject?: string
  /** How the token was bound and verified: `dpop`, `mtls`, `dpop+mtls`, or `none`. */
  readonly binding?: 'dpop' | 'mtls' | 'dpop+mtls' | 'none'
  /** Pipeline steps that completed, in order (`credentials`, `jwt` or `introspection`, `binding`, `authorization`). */
  readonly checks: readonly string[]
  /** The `kid` of the key that verified a JWT. */
  readonly kid?: string | undefined
  /** DPoP: the nonce's state and the replay check's outcome. */
  readonly dpop?: { readonly nonce?: 'renewed' | 'valid' | 'missing' | 'invalid'; readonly replay?: 'first-use' | 'replayed' }
  /** The connection's peer and whether its forwarded headers were believed. */
  readonly proxy?: { readonly peerAddress: string | undefined; readonly trusted: boolean }
  /** The request's `x-fapi-interaction-id` (with `interactionId` on): the client's UUID, or a new one. */
  readonly interactionId?: string | undefined
  /** True when the client sent an `x-fapi-interaction-id` that is not an RFC 4122 UUID, and it was replaced. */
  readonly interactionIdReplaced?: true
  /** Time spent in `verify`, in microseconds. */
  readonly durationMicros: number
}

/** One line describing a decision, as `NODE_DEBUG=fapi-guard` prints it. */
export function describeDecision(event: DecisionEvent): string {
  if (event.outcome === 'accepted') {
    return `accepted (${event.checks.join(', ')})${event.issuer === undefined ? '' : ` issuer ${JSON.stringify(event.issuer)}`}${event.binding === undefined ? '' : ` binding ${event.binding}`}`
  }
  const peer = event.proxy === undefined ? '' : ` peer ${event.proxy.peerAddress ?? 'unknown'}${event.proxy.trusted ? ' (trusted proxy)' : ''}`
  return `refused ${event.status ?? ''} ${event.code ?? ''}: ${event.description ?? ''}${event.cause === undefined ? '' : ` — ${event.cause}`};${peer} after ${event.checks.join(', ') || 'nothing'}`
}

/** A pino-style logger: `info(object, message)` and `warn(object, message)`. */
export interface DecisionLogger {
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
}

/** An `onDecision` hook writing each decision to a pino-style logger (acceptances at info, refusals at warn). */
export function logDecisions(logger: DecisionLogger): (event: DecisionEvent) => void {
  return (event) => {
    if (event.outcome === 'accepted') logger.info({ fapiGuard: event }, 'fapi-guard accepted a request')
    else logger.warn({ fapiGuard: event }, 'fapi-guard refused a request')
  }
}

/** The part of an OpenTelemetry `Tracer` used here (structural: `@opentelemetry/api` is not a dependency). */
export interface DecisionTracer {
  startSpan(
    name: string,
    options: { startTime: number; attributes: Record<string, string | number | boolean> },
  ): { setStatus(status: { code: number; message?: string }): unknown; end(endTime?: number): void }
}

/** OpenTelemetry `SpanStatusCode.ERROR`. */
const SPAN_STATUS_ERROR = 2

/**
 * An `onDecision` hook recording each decision as an OpenTelemetry span `fapi-guard.verify`, timed
 * from the start of `verify`, with the event's fields as `fapi_guard.*` attributes and an error status
 * on refusals. Give it `trace.getTracer('fapi-guard')` from `@opentelemetry/api`.
 */
export function traceDecisions(tracer: DecisionTracer, clock: () => number = Date.now): (event: DecisionEvent) => void {
  return (event) => {
    const end = clock()
    const attributes: Record<string, string | number | boolean> = {
      'fapi_guard.outcome': event.outcome,
      'fapi_guard.checks': event.checks.join(','),
      'fapi_guard.duration_us': event.durationMicros,
    }
    const optional: Array<[string, string | number | undefined]> = [
      ['fapi_guard.status', event.status],
      ['fapi_guard.error', event.error],
      ['fapi_guard.code', event.code],
      ['fapi_guard.cause', event.cause],
      ['fapi_guard.issuer', event.issuer],
      ['fapi_guard.client_id', event.clientId],
      ['fapi_guard.binding', event.binding],
      ['fapi_guard.kid', event.kid],
      ['fapi_guard.dpop.nonce', event.dpop?.nonce],
      ['fapi_guard.dpop.replay', event.dpop?.replay],
      ['fapi_guard.interaction_id', event.interactionId],
    ]
    for (const [name, value] of optional) if (value !== undefined) attributes[name] = value
    if (event.proxy !== undefined) attributes['fapi_guard.proxy.trusted'] = event.proxy.trusted
    if (event.interactionIdReplaced === true) attributes['fapi_guard.interaction_id_replaced'] = true
    const span = tracer.startSpan('fapi-guard.verify', { startTime: end - event.durationMicros / 1000, attributes })
    if (event.outcome === 'refused') span.setStatus({ code: SPAN_STATUS_ERROR, message: event.code ?? 'refused' })
    span.end(end)
  }
}