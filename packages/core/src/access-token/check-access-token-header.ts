import { GuardError } from '../errors/guard-error.js'

/** Header rules fixed at `createGuard`. */
export interface HeaderRules {
  readonly algorithms: ReadonlySet<string>
  readonly acceptPlainJwtTyp: boolean
}

/** Media-type comparison of `typ` (RFC 7515 §4.1.9): case-insensitive, `application/` optional. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

/** RFC 9068 §4 (1): `typ` is `at+jwt`; under `oauth2` with `tokenTypes: ['jwt']`, also `JWT` or absent. */
export function checkTyp(header: Record<string, unknown>, rules: HeaderRules): void {
  const { typ } = header
  if (typ === undefined && rules.acceptPlainJwtTyp) return
  if (typeof typ === 'string') {
    const normalized = normalizeTyp(typ)
    if (normalized === 'at+jwt' || (normalized === 'jwt' && rules.acceptPlainJwtTyp)) return
  }
  throw new GuardError('ERR_JWT_TYP_INVALID', 'the JWS header "typ" is not "at+jwt"')
}

/** RFC 8725 §3.1, RFC 9068 §4 (5): `alg` is one of the allowed asymmetric algorithms; never `none` or HMAC. */
export function checkAlg(header: Record<string, unknown>, rules: HeaderRules): string {
  const { alg } = header
  if (typeof alg !== 'string' || !rules.algorithms.has(alg)) {
    throw new GuardError('ERR_JWT_ALG_NOT_ALLOWED', 'the JWS header "alg" is not an allowed algorithm')
  }
  return alg
}

/** RFC 7515 §4.1.11: no extension is understood, so any `crit` makes the JWS invalid. */
export function checkCrit(header: Record<string, unknown>): void {
  if ('crit' in header) throw new GuardError('ERR_JWT_CRIT_UNSUPPORTED', 'the JWS header "crit" names extensions not understood')
}

/**
 * `kid`, when present, is an opaque string compared for equality only (RFC 8725 §3.10). The header's
 * `jwk`, `jku`, `x5u`, `x5c` are never read: keys come from the configured issuer alone.
 */
export function checkKid(header: Record<string, unknown>): string | undefined {
  const { kid } = header
  if (kid === undefined) return undefined
  if (typeof kid !== 'string') throw new GuardError('ERR_JWT_KID_INVALID', 'the JWS header "kid" is not a string')
  return kid
}
