import { GuardError } from '../errors/guard-error.js'

// The JOSE header checks of every JWS the guard reads: access tokens (RFC 9068 §4), DPoP proofs
// (RFC 9449 §4.3) and signed introspection answers (RFC 9701 §5). Each check takes the refusal of its
// caller's kind, so one rule gives each kind its own code and words.

/** Builds the caller's refusal for a header that fails one check. */
export type HeaderFault = (problem: string) => GuardError

/** Media-type comparison of `typ` (RFC 7515 §4.1.9): case-insensitive, `application/` optional. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

/** `typ` is one of `accepted` (normalized); `undefined` in `accepted` lets it be absent. */
export function checkTyp(header: Record<string, unknown>, accepted: ReadonlySet<string | undefined>, fault: HeaderFault): void {
  const { typ } = header
  if (typ === undefined ? accepted.has(undefined) : typeof typ === 'string' && accepted.has(normalizeTyp(typ))) return
  throw fault('typ')
}

/** RFC 8725 §3.1: `alg` is one of the allowed asymmetric algorithms; never `none` or HMAC. Returns it. */
export function checkAlg(header: Record<string, unknown>, algorithms: ReadonlySet<string>, fault: HeaderFault): string {
  const { alg } = header
  if (typeof alg !== 'string' || !algorithms.has(alg)) throw fault('alg')
  return alg
}

/** RFC 7515 §4.1.11: no extension is understood, so any `crit` makes the JWS invalid. */
export function checkCrit(header: Record<string, unknown>, fault: HeaderFault): void {
  if ('crit' in header) throw fault('crit')
}

/**
 * `kid`, when present, is an opaque string compared for equality only (RFC 8725 §3.10). The header's
 * `jwk` (but in a DPoP proof), `jku`, `x5u`, `x5c` are never read: keys come from the configured issuer alone.
 */
export function checkKid(header: Record<string, unknown>, fault: HeaderFault): string | undefined {
  const { kid } = header
  if (kid === undefined) return undefined
  if (typeof kid !== 'string') throw fault('kid')
  return kid
}

/** Access-token header rules fixed at `createGuard`. */
export interface HeaderRules {
  readonly algorithms: ReadonlySet<string>
  readonly acceptPlainJwtTyp: boolean
}

const AT_JWT: ReadonlySet<string | undefined> = new Set(['at+jwt'])
const AT_JWT_OR_PLAIN: ReadonlySet<string | undefined> = new Set(['at+jwt', 'jwt', undefined])

function accessTokenFault(problem: string): GuardError {
  switch (problem) {
    case 'typ':
      return new GuardError('ERR_JWT_TYP_INVALID', 'the JWS header "typ" is not "at+jwt"')
    case 'alg':
      return new GuardError('ERR_JWT_ALG_NOT_ALLOWED', 'the JWS header "alg" is not an allowed algorithm')
    case 'crit':
      return new GuardError('ERR_JWT_CRIT_UNSUPPORTED', 'the JWS header "crit" names extensions not understood')
    default:
      return new GuardError('ERR_JWT_KID_INVALID', 'the JWS header "kid" is not a string')
  }
}

/**
 * RFC 9068 §4 (1), (5) and RFC 7515: `typ` is `at+jwt` (under `oauth2` with `tokenTypes: ['jwt']`, also
 * `JWT` or absent), an allowed `alg`, no `crit`, a string `kid` if any. Returns `alg` and `kid`.
 */
export function checkAccessTokenHeader(header: Record<string, unknown>, rules: HeaderRules): { readonly alg: string; readonly kid: string | undefined } {
  checkTyp(header, rules.acceptPlainJwtTyp ? AT_JWT_OR_PLAIN : AT_JWT, accessTokenFault)
  const alg = checkAlg(header, rules.algorithms, accessTokenFault)
  checkCrit(header, accessTokenFault)
  return { alg, kid: checkKid(header, accessTokenFault) }
}
