import type { ErrorCode, OAuthErrorCode } from '../errors/codes.js'

/** What `onDecision` receives after every `verify`: enough to audit, never the token or a secret. */
export interface DecisionEvent {
  readonly outcome: 'accepted' | 'refused'
  /** For refusals: HTTP status, OAuth error and `ERR_*` code. */
  readonly status?: number
  readonly error?: OAuthErrorCode | undefined
  readonly code?: ErrorCode
  readonly description?: string
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
  readonly interactionId?: string | undefined
  /** Time spent in `verify`, in microseconds. */
  readonly durationMicros: number
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
