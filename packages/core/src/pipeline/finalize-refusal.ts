import { GuardError, isGuardError, type AuthScheme } from '../errors/guard-error.js'
import { buildChallenges, renderWWWAuthenticate, type ChallengeConfig } from '../errors/render-challenge.js'
import { INTERACTION_ID } from '../request/read-fapi-headers.js'

/** What the pipeline knows about the request when it refuses it. */
export interface RefusalContext {
  /** The scheme the client used, once its credentials were read. */
  readonly scheme: AuthScheme | undefined
  readonly interactionId: string | undefined
}

/** Errors that already carry a guard's challenge headers. */
const finalized = new WeakSet<GuardError>()
const INTERNAL = 'the request could not be checked'

/**
 * Gives any error its final form, once, at the end of the pipeline: the scheme the client used, this
 * guard's challenge (`WWW-Authenticate`; `Retry-After` instead for 503), the interaction id. Anything
 * that is not a `GuardError` is a fault on the server, not a bad token: `ERR_INTERNAL` (500), with the
 * error kept as `cause` for `onDecision` and the logs, never sent to the client.
 */
export function finalizeRefusal(error: unknown, context: RefusalContext, challenge: ChallengeConfig): GuardError {
  if (isGuardError(error) && finalized.has(error)) return error
  const source = isGuardError(error) ? error : new GuardError({ code: 'ERR_INTERNAL', description: INTERNAL, cause: error })
  const scheme = source.scheme ?? context.scheme
  const headers: Record<string, string> = { ...source.headers }
  if (source.status === 503) headers['retry-after'] = '5'
  else if (source.status !== 500) {
    const { error: oauthError, description, scope, acrValues, maxAge } = source
    headers['www-authenticate'] = renderWWWAuthenticate(buildChallenges(challenge, { error: oauthError, description, scope, acrValues, maxAge, scheme }))
  }
  if (context.interactionId !== undefined) headers[INTERACTION_ID] = context.interactionId
  const final = new GuardError({
    code: source.code,
    description: source.description,
    scheme,
    scope: source.scope,
    acrValues: source.acrValues,
    maxAge: source.maxAge,
    cause: source.cause,
    headers,
    describe: challenge.descriptions,
  })
  finalized.add(final)
  return final
}
