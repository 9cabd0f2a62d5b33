import type { AuthScheme } from '../errors/guard-error.js'
import { GuardError } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import type { IssuerKeyStore } from '../keys/issuer-key-store.js'
import type { JWTAccessTokenClaims } from '../types.js'
import { checkAudience, checkIssuer, checkRequiredClaims, checkTimes, type ClaimRules } from './check-access-token-claims.js'
import { checkAlg, checkCrit, checkKid, checkTyp, type HeaderRules } from './check-access-token-header.js'
import { parseCompactJWS } from './parse-compact-jws.js'
import type { LRUCache } from 'lru-cache'
import { encodeBase64url, utf8Encode } from '../lib/encoding.js'

/** What JWT verification needs, fixed at `createGuard`. */
export interface JWTAccessTokenRules extends HeaderRules, ClaimRules {
  readonly keyStores: ReadonlyMap<string, IssuerKeyStore>
  readonly backend: CryptoBackend
  /** Tokens whose signature verified, by SHA-256 of the token; `undefined` turns the cache off. */
  readonly tokenCache: LRUCache<string, VerifiedTokenEntry> | undefined
}

/** A token whose signature verified under one version of its issuer's key set. */
export interface VerifiedTokenEntry {
  readonly issuer: string
  readonly claims: JWTAccessTokenClaims
  readonly kid: string | undefined
  readonly keysVersion: number
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
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
 * Nothing is returned before the signature has verified. A token seen before (same SHA-256, same
 * version of the issuer's keys, not expired) skips the parse and the signature; `aud` and the time
 * claims are checked every time. Does not check `cnf` (see binding/) or scopes.
 */
export async function verifyJWTAccessToken(
  token: string,
  now: number,
  rules: JWTAccessTokenRules,
): Promise<VerifiedJWT> {
  const cache = rules.tokenCache
  const cacheKey = cache === undefined ? undefined : encodeBase64url(await rules.backend.sha256(utf8Encode(token)))
  const cached = cacheKey === undefined ? undefined : cache?.get(cacheKey)
  const cachedKeys = cached === undefined ? undefined : rules.keyStores.get(cached.issuer)
  if (cached !== undefined && cachedKeys?.version === cached.keysVersion) {
    cachedKeys.refreshIfStale()
    // The signature, header and claim types were checked when the entry was made; what depends on
    // the moment and the configuration is checked again on every request.
    checkAudience(cached.claims, rules)
    checkTimes(cached.claims, now, rules)
    return cached
  }
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
  const keysVersion = keyStore.version
  if (!(await rules.backend.verify(alg, key.key, signature, signingInput))) {
    throw new GuardError('ERR_JWT_SIGNATURE_INVALID', 'the access token signature does not verify')
  }
  const verified = { issuer, claims: payload as JWTAccessTokenClaims, kid: key.kid }
  if (cacheKey !== undefined && keysVersion === keyStore.version) {
    // Until `exp` (plus the tolerance, after which the claims check refuses it anyway); frozen, since
    // the same claims object is then handed to every request that presents this token.
    const ttl = ((payload.exp as number) + rules.clockTolerance - now) * 1000
    if (ttl > 0) cache?.set(cacheKey, deepFreeze({ ...verified, keysVersion }), { ttl: Math.ceil(ttl) })
  }
  return verified
}

/** Re-throws a `GuardError` with the scheme the client used, so its challenge carries the error. */
export function withScheme(error: GuardError, scheme: AuthScheme): GuardError {
  return error.scheme === scheme ? error : new GuardError(error.code, error.description, { scheme, scope: error.scope })
}
