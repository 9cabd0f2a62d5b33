import type { AuthScheme, GuardError } from './guard-error.js'

/** One `WWW-Authenticate` challenge: a scheme and its auth-params, in order. */
export interface Challenge {
  readonly scheme: AuthScheme
  readonly params: ReadonlyArray<readonly [name: string, value: string]>
}

/** How this guard answers: which schemes it offers and with what parameters. Fixed at `createGuard`. */
export interface ChallengeConfig {
  /** `realm` of the Bearer challenge; `undefined` leaves it out. */
  readonly realm: string | undefined
  /** Offer the `Bearer` scheme. */
  readonly bearer: boolean
  /** DPoP `algs` (space-delimited) when the `DPoP` scheme is offered; `undefined` when it is not. */
  readonly dpopAlgs: string | undefined
  /** Put `error_description` in challenges and bodies. */
  readonly descriptions: boolean
  /** URL of the RFC 9728 protected resource metadata, sent as `resource_metadata` in every challenge. */
  readonly resourceMetadata?: string | undefined
}

/** `realm` of the Bearer challenge (`realm` option). */
export const DEFAULT_REALM = 'api'

const QUOTED_STRING_ESCAPES = /["\\]/g
// RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
const OUTSIDE_DESCRIPTION_CHARSET = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g
// RFC 9110 §5.6.4 qdtext plus quoted-pair: anything but controls (HTAB allowed) may be carried.
const CONTROL_CHARACTERS = /[\x00-\x08\x0A-\x1F\x7F]/g

/** RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped, control characters dropped. */
export function quoteString(value: string): string {
  return `"${value.replace(CONTROL_CHARACTERS, '').replace(QUOTED_STRING_ESCAPES, '\\$&')}"`
}

/** Keeps an `error_description` inside the RFC 6750 §3 character set (`"` and `\` become `'` and `/`). */
export function sanitizeDescription(value: string): string {
  return value.replace(/"/g, "'").replace(/\\/g, '/').replace(OUTSIDE_DESCRIPTION_CHARSET, '?')
}

/** Serializes challenges into one `WWW-Authenticate` field value (RFC 9110 §11.6.1). */
export function renderWWWAuthenticate(challenges: readonly Challenge[]): string {
  return challenges
    .map(({ scheme, params }) =>
      params.length === 0 ? scheme : `${scheme} ${params.map(([name, value]) => `${name}=${quoteString(value)}`).join(', ')}`,
    )
    .join(', ')
}

/**
 * The challenges for a refusal (RFC 6750 §3, RFC 9449 §7.1–7.2), one per offered scheme. The error goes
 * in the challenge of the scheme the client used, or in every offered one when that is unknown or not
 * offered; no credentials → no error.
 */
export function buildChallenges(config: ChallengeConfig, error: Pick<GuardError, 'error' | 'description' | 'scope' | 'acrValues' | 'maxAge' | 'scheme'>): Challenge[] {
  const challenges: Challenge[] = []
  const errorParams: Array<[string, string]> = []
  if (error.error !== undefined) {
    errorParams.push(['error', error.error])
    if (config.descriptions) errorParams.push(['error_description', sanitizeDescription(error.description)])
    if (error.scope !== undefined) errorParams.push(['scope', error.scope])
    if (error.acrValues !== undefined) errorParams.push(['acr_values', error.acrValues])
    if (error.maxAge !== undefined) errorParams.push(['max_age', String(error.maxAge)])
  }
  // RFC 9728 §5.1: the metadata URL in every challenge, errors or not.
  const metadataParams: Array<[string, string]> = config.resourceMetadata === undefined ? [] : [['resource_metadata', config.resourceMetadata]]
  const offered = (scheme: AuthScheme) => (scheme === 'Bearer' ? config.bearer : config.dpopAlgs !== undefined)
  // The error goes where the client will look: the scheme it used, or every offered one when that
  // is unknown or not offered here (a Bearer request to a DPoP-only resource gets it in `DPoP`).
  const carriesError = (scheme: AuthScheme) => error.scheme === undefined || error.scheme === scheme || !offered(error.scheme)
  if (config.bearer) {
    const params: Array<[string, string]> = []
    if (config.realm !== undefined) params.push(['realm', config.realm])
    if (carriesError('Bearer')) params.push(...errorParams)
    params.push(...metadataParams)
    challenges.push({ scheme: 'Bearer', params })
  }
  if (config.dpopAlgs !== undefined) {
    const params: Array<[string, string]> = carriesError('DPoP') ? [...errorParams] : []
    params.push(['algs', config.dpopAlgs], ...metadataParams)
    challenges.push({ scheme: 'DPoP', params })
  }
  return challenges
}
