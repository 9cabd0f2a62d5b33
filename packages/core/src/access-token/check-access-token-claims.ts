import { Diagnosis, quote, trailingSlashHint } from '../errors/diagnosis.js'
import { GuardError } from '../errors/guard-error.js'

/** Seconds of leeway on `exp`, `nbf`, `iat` (and DPoP `iat`, `auth_time`): the `clockTolerance` option. */
export const DEFAULT_CLOCK_TOLERANCE = 5
/** Furthest `exp` may lie ahead, in seconds (`maxTokenLifetime`): catches `exp` in milliseconds. */
export const DEFAULT_MAX_TOKEN_LIFETIME = 86_400

/** Claim rules fixed at `createGuard`. */
export interface ClaimRules {
  readonly audiences: ReadonlySet<string>
  readonly clockTolerance: number
  readonly maxTokenLifetime: number
  readonly requireAllClaims: boolean
  /** The claim the audiences are matched against (`audienceClaim` option); `undefined`: `aud`. */
  readonly audienceClaim?: 'aud' | 'client_id'
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** RFC 9068 §4 (3): `iss` is a string equal to a configured issuer, compared exactly. Returns it. */
export function checkIssuer(payload: Record<string, unknown>, issuers: ReadonlyMap<string, unknown>): string {
  const { iss } = payload
  if (typeof iss !== 'string' || !issuers.has(iss)) {
    const trusted = [...issuers.keys()]
    const hint = typeof iss === 'string' ? trusted.map((issuer) => trailingSlashHint(iss, issuer)).find((text) => text !== '') ?? '' : ''
    const cause = new Diagnosis(`the token's "iss" is ${quote(iss)}; trusted issuers: ${trusted.map(quote).join(', ')}${hint}`)
    throw new GuardError('ERR_JWT_ISSUER_INVALID', 'the "iss" claim is not a trusted issuer', { cause })
  }
  return iss
}

/** What the operator is told when `aud` names no configured audience. */
export function audienceDiagnosis(aud: unknown, audiences: ReadonlySet<string>): Diagnosis {
  const expected = [...audiences]
  const received = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  const hint = received.flatMap((item) => (typeof item === 'string' ? expected.map((audience) => trailingSlashHint(item, audience)) : [])).find((text) => text !== '') ?? ''
  return new Diagnosis(`the token's "aud" is ${quote(aud)}; this API is ${expected.map(quote).join(', ')}${hint}`)
}

/**
 * RFC 7519 §4.1.3 (JWTs, RFC 9068 §4 (4)) and RFC 7662 §2.2 (introspection answers): `aud` is a string or
 * an array of strings, one of which is a configured audience. Shared by both paths.
 */
export function audienceMatches(aud: unknown, audiences: ReadonlySet<string>): boolean {
  const list = typeof aud === 'string' ? [aud] : aud
  return Array.isArray(list) && list.every((item) => typeof item === 'string') && list.some((item) => audiences.has(item))
}

/** RFC 9068 §4 (4), RFC 7519 §4.1.3: `aud` (string or array of strings) contains a configured audience. */
export function checkAudience(payload: Record<string, unknown>, rules: ClaimRules): void {
  if (rules.audienceClaim === 'client_id') return checkClientIdAudience(payload, rules)
  const { aud } = payload
  if (audienceMatches(aud, rules.audiences)) return
  throw new GuardError('ERR_JWT_AUDIENCE_INVALID', 'the "aud" claim does not name this resource server', { cause: audienceDiagnosis(aud, rules.audiences) })
}

/** Which time check failed, for the caller's refusal. */
export type TimeFault = 'exp-type' | 'nbf-type' | 'iat-type' | 'expired' | 'lifetime' | 'not-yet-valid' | 'issued-in-future'

/** The window the time claims must fall in. */
export interface TimeRules {
  readonly clockTolerance: number
  readonly maxTokenLifetime: number
}

/**
 * RFC 7519 §4.1.4–4.1.6 for JWTs (RFC 9068 §4 (6)) and introspection answers (RFC 7662 §2.2): `exp`
 * required, a number, in the future and no further ahead than `maxTokenLifetime`; `nbf` and `iat`, when
 * present, numbers not in the future; all within `clockTolerance`. `now` in seconds. Shared by both
 * paths; `fault` gives each its own refusal.
 */
export function checkTimeClaims(claims: Record<string, unknown>, now: number, rules: TimeRules, fault: (failed: TimeFault) => GuardError): void {
  // A clock answering NaN or ±Infinity would make every comparison below false and let expired tokens
  // through: fail closed instead (the guard turns this into ERR_INTERNAL, never an acceptance).
  if (!Number.isFinite(now)) throw new TypeError('fapi-guard: option "clock" returned a time that is not a finite number')
  const { exp, nbf, iat } = claims
  const tolerance = rules.clockTolerance
  if (!isNumericDate(exp)) throw fault('exp-type')
  if (nbf !== undefined && !isNumericDate(nbf)) throw fault('nbf-type')
  if (iat !== undefined && !isNumericDate(iat)) throw fault('iat-type')
  if (exp <= now - tolerance) throw fault('expired')
  if (exp > now + rules.maxTokenLifetime + tolerance) throw fault('lifetime')
  if (nbf !== undefined && nbf > now + tolerance) throw fault('not-yet-valid')
  if (iat !== undefined && iat > now + tolerance) throw fault('issued-in-future')
}

function jwtTimeFault(failed: TimeFault): GuardError {
  switch (failed) {
    case 'exp-type':
      return new GuardError('ERR_JWT_CLAIM_INVALID', 'the "exp" claim is missing or not a number')
    case 'nbf-type':
      return new GuardError('ERR_JWT_CLAIM_INVALID', 'the "nbf" claim is not a number')
    case 'iat-type':
      return new GuardError('ERR_JWT_CLAIM_INVALID', 'the "iat" claim is not a number')
    case 'expired':
      return new GuardError('ERR_JWT_EXPIRED', 'the access token has expired')
    case 'lifetime':
      return new GuardError('ERR_JWT_LIFETIME_TOO_LONG', 'the "exp" claim lies further ahead than the longest accepted lifetime')
    case 'not-yet-valid':
      return new GuardError('ERR_JWT_NOT_YET_VALID', 'the access token is not valid yet ("nbf")')
    case 'issued-in-future':
      return new GuardError('ERR_JWT_ISSUED_IN_FUTURE', 'the "iat" claim is in the future')
  }
}

/** RFC 9068 §4 (6): the time claims of a JWT access token. */
export function checkTimes(payload: Record<string, unknown>, now: number, rules: ClaimRules): void {
  checkTimeClaims(payload, now, rules, jwtTimeFault)
}

const STRING_CLAIMS = ['sub', 'client_id', 'jti'] as const

/**
 * RFC 9068 §2.2: `sub`, `client_id`, `jti` are strings and `iat` a number whenever present; under the FAPI
 * profiles all four are required. `scope` is a string and `scp` a string (Azure AD) or an array of strings when present.
 */
export function checkRequiredClaims(payload: Record<string, unknown>, rules: ClaimRules): void {
  for (const name of STRING_CLAIMS) {
    const value = payload[name]
    if (value === undefined ? rules.requireAllClaims : typeof value !== 'string' || value.length === 0) {
      throw new GuardError('ERR_JWT_CLAIM_INVALID', `the "${name}" claim is missing or not a string`)
    }
  }
  if (rules.requireAllClaims && payload.iat === undefined) throw new GuardError('ERR_JWT_CLAIM_INVALID', 'the "iat" claim is missing')
  if (payload.scope !== undefined && typeof payload.scope !== 'string') {
    throw new GuardError('ERR_JWT_CLAIM_INVALID', 'the "scope" claim is not a string')
  }
  const { scp } = payload
  if (scp !== undefined && typeof scp !== 'string' && !(Array.isArray(scp) && scp.every((item) => typeof item === 'string'))) {
    throw new GuardError('ERR_JWT_CLAIM_INVALID', 'the "scp" claim is neither a string nor an array of strings')
  }
}

/**
 * `audienceClaim: 'client_id'` (profile `oauth2`), for access tokens that carry no `aud` (AWS Cognito:
 * `client_id` names the app client, `token_use` the kind of token): `client_id` is a configured audience,
 * a `token_use` claim is `access` (a Cognito ID token is never taken), and an `aud` that is present names
 * this resource server as well.
 */
function checkClientIdAudience(payload: Record<string, unknown>, rules: ClaimRules): void {
  const { client_id: clientId, token_use: tokenUse, aud } = payload
  if (typeof clientId !== 'string' || !rules.audiences.has(clientId)) {
    throw new GuardError('ERR_JWT_AUDIENCE_INVALID', 'the "client_id" claim does not name this resource server')
  }
  if (tokenUse !== undefined && tokenUse !== 'access') throw new GuardError('ERR_JWT_CLAIM_INVALID', 'the "token_use" claim is not "access"')
  if (aud !== undefined) checkAudience(payload, { ...rules, audienceClaim: 'aud' })
}
