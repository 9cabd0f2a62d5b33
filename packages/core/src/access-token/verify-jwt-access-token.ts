import type { AuthScheme } from '../errors/guard-error.js'
import { GuardError } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import type { IssuerKeyStore } from '../keys/issuer-key-store.js'
import type { JWTAccessTokenClaims } from '../types.js'
import { checkAudience, checkIssuer, checkRequiredClaims, checkTimes, type ClaimRules } from './check-access-token-claims.js'
import { checkAlg, checkCrit, checkKid, checkTyp, type HeaderRules } from './check-access-token-header.js'
import { parseCompactJWS } from './parse-compact-jws.js'

/** What JWT verification needs, fixed at `createGuard`. */
export interface JWTAccessTokenRules extends HeaderRules, ClaimRules {
  readonly keyStores: ReadonlyMap<string, IssuerKeyStore>
  readonly backend: CryptoBackend
}

/** A verified JWT access token. */
export interface VerifiedJWT {
  readonly issuer: string
  readonly claims: JWTAccessTokenClaims
  readonly kid: string | undefined
}

/**
 * RFC 9068 §4 validation, one step after the other: compact JWS, `typ`, `alg`, `crit`, `kid`, `iss`,
 * `aud`, time claims, required claims — all cheap and offline — then the issuer's key and the signature.
 * Nothing is returned before the signature has verified. Does not check `cnf` (see binding/) or scopes.
 */
export async function verifyJWTAccessToken(
  token: string,
  now: number,
  rules: JWTAccessTokenRules,
): Promise<VerifiedJWT> {
  const { header, payload, signingInput, signature } = parseCompactJWS(token)
  checkTyp(header, rules)
  const alg = checkAlg(header, rules)
  checkCrit(header)
  const kid = checkKid(header)
  const issuer = checkIssuer(payload, rules.keyStores)
  checkAudience(payload, rules)
  checkTimes(payload, now, rules)
  checkRequiredClaims(payload, rules)
  const keyStore = rules.keyStores.get(issuer) as IssuerKeyStore
  const key = await keyStore.resolve(kid, alg)
  if (!(await rules.backend.verify(alg, key.key, signature, signingInput))) {
    throw new GuardError('ERR_JWT_SIGNATURE_INVALID', 'the access token signature does not verify')
  }
  return { issuer, claims: payload as JWTAccessTokenClaims, kid: key.kid }
}

/** Re-throws a `GuardError` with the scheme the client used, so its challenge carries the error. */
export function withScheme(error: GuardError, scheme: AuthScheme): GuardError {
  return error.scheme === scheme ? error : new GuardError(error.code, error.description, { scheme, scope: error.scope })
}
