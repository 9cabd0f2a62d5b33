import { audienceDiagnosis, audienceMatches, checkTimeClaims, type TimeFault } from '../access-token/check-access-token-claims.js'
import { Diagnosis, quote, trailingSlashHint } from '../errors/diagnosis.js'
import { GuardError } from '../errors/guard-error.js'
import { isPlainObject } from '../lib/encoding.js'

/** Rules for an `active: true` response, fixed at `createGuard`. */
export interface IntrospectionClaimRules {
  readonly audiences: ReadonlySet<string>
  readonly clockTolerance: number
  readonly maxTokenLifetime: number
  /** Whether an answer without `aud` is refused (`introspection.requireAudience`, default true). */
  readonly requireAudience: boolean
}

/**
 * `token_type` values (compared case-insensitively) that describe an access token: the RFC 6749 §7.1
 * types this guard checks (`Bearer`, `DPoP`), and the access-token names of RFC 7009 §2.1 and RFC 8693
 * §3. Anything else (`refresh_token`, RFC 8693's `N_A`, `mac`, an ID token type) is not an access token
 * for this API.
 */
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(['bearer', 'dpop', 'access_token', 'urn:ietf:params:oauth:token-type:access_token'])

/** The refusal of an introspection answer whose time claims fail (the JWT path's checks, one code). */
function introspectionTimeFault(failed: TimeFault): GuardError {
  const description: Record<TimeFault, string> = {
    'exp-type': 'the introspection response has no numeric "exp"',
    'nbf-type': 'the introspection "nbf" is not a number',
    'iat-type': 'the introspection "iat" is not a number',
    expired: 'the access token has expired',
    lifetime: 'the introspection "exp" lies further ahead than the longest accepted lifetime',
    'not-yet-valid': 'the access token is not valid yet ("nbf")',
    'issued-in-future': 'the introspection "iat" is in the future',
  }
  return new GuardError('ERR_INTROSPECTION_CLAIM_INVALID', description[failed])
}

/** RFC 7662 §2.2: `active` must be the boolean `true`; `false`, a string, a number or nothing means inactive (E02, E13). */
export function isActive(response: Record<string, unknown>): boolean {
  return response.active === true
}

/**
 * What an active introspection result must still satisfy here (RFC 7662 §2.2, RFC 9700 §2.3): `exp`
 * present, a finite number of seconds, in the future and not further ahead than `maxTokenLifetime`;
 * `nbf` and `iat` numbers not in the future (the time checks JWTs get, `checkTimeClaims`); `iss`, when present, the issuer asked; `aud` naming this resource server
 * (required unless `requireAudience` is off, as RFC 9068 §4 requires of a JWT: a refresh token is
 * active too, and oidc-provider describes it without `aud` or `token_type`); `token_type`, when
 * present, an access-token type; `sub`, `client_id` strings when present; a `token_type` of DPoP only
 * with `cnf.jkt`; `cnf` itself left to the binding step.
 */
export function checkIntrospectionClaims(
  response: Record<string, unknown>,
  issuer: string,
  now: number,
  rules: IntrospectionClaimRules,
): void {
  const { iss, aud } = response
  checkTimeClaims(response, now, rules, introspectionTimeFault)
  if (iss !== undefined && iss !== issuer) {
    throw new GuardError('ERR_INTROSPECTION_CLAIM_INVALID', 'the introspection "iss" is not the issuer that was asked', {
      cause: new Diagnosis(`the introspection "iss" is ${quote(iss)}; the issuer asked is ${quote(issuer)}${typeof iss === 'string' ? trailingSlashHint(iss, issuer) : ''}`),
    })
  }
  if (aud === undefined && rules.requireAudience) {
    throw new GuardError('ERR_INTROSPECTION_CLAIM_INVALID', 'the introspection answer has no "aud" naming this resource server')
  }
  if (aud !== undefined) {
    if (!audienceMatches(aud, rules.audiences)) {
      throw new GuardError('ERR_INTROSPECTION_CLAIM_INVALID', 'the introspection "aud" does not name this resource server', {
        cause: audienceDiagnosis(aud, rules.audiences),
      })
    }
  }
  // A `scope` that is not a string grants nothing (read as no scopes), as Spring does (attacks E05).
  for (const name of ['sub', 'client_id'] as const) {
    if (response[name] !== undefined && typeof response[name] !== 'string') {
      throw new GuardError('ERR_INTROSPECTION_CLAIM_INVALID', `the introspection "${name}" is not a string`)
    }
  }
  if (response.cnf !== undefined && !isPlainObject(response.cnf)) {
    throw new GuardError('ERR_CNF_INVALID', 'the introspection "cnf" is not an object')
  }
  // RFC 9449 §6.2: a DPoP-bound token is described with `cnf.jkt`. A `token_type` of DPoP (compared
  // case-insensitively, RFC 6749 §7.1) without it announces a binding that cannot be checked (attacks E10).
  const tokenType = response.token_type
  if (tokenType !== undefined && !(typeof tokenType === 'string' && ACCESS_TOKEN_TYPES.has(tokenType.toLowerCase()))) {
    throw new GuardError('ERR_INTROSPECTION_CLAIM_INVALID', 'the introspection "token_type" is not an access token type')
  }
  if (typeof tokenType === 'string' && tokenType.toLowerCase() === 'dpop' && !(isPlainObject(response.cnf) && response.cnf.jkt !== undefined)) {
    throw new GuardError('ERR_CNF_INVALID', 'the introspection "token_type" is DPoP but "cnf" has no "jkt"')
  }
}
