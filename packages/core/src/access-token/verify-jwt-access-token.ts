import type { AuthScheme } from '../errors/guard-error.js'
import { GuardError } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import type { IssuerKeyStore } from '../keys/issuer-key-store.js'
import type { JWTAccessTokenClaims } from '../types.js'
import { checkAudience, checkIssuer, checkRequiredClaims, checkTimes, type ClaimRules } from './check-access-token-claims.js'
import { checkAccessTokenHeader, type HeaderRules } from './check-jws-header.js'
import { parseCompactJWS } from './parse-compact-jws.js'
import { readScopes } from './check-scopes.js'
import type { LRUCache } from 'lru-cache'
import { deepFreeze } from '../lib/deep-freeze.js'

/** Verified tokens remembered (`tokenCache.max`). */
export const DEFAULT_TOKEN_CACHE_MAX = 10_000

/** What JWT verification needs, fixed at `createGuard`. */
export interface JWTAccessTokenRules extends HeaderRules, ClaimRules {
  readonly keyStores: ReadonlyMap<string, IssuerKeyStore>
  readonly backend: CryptoBackend
  /** The claim(s) scopes are read from (`scopeClaim` option), first present wins; `undefined`: `scope`, else `scp`. */
  readonly scopeClaim: readonly string[] | undefined
  /** The verified-token cache; `undefined` turns it off. */
  readonly tokenCache: VerifiedTokenCache | undefined
}

/**
 * Tokens whose signature verified, by SHA-256 of the token. A token enters `entries` on its second
 * sighting: the first leaves only its hash in `seen`. Most tokens a busy API sees once (a client that
 * fetches a token per call) would otherwise each cost a frozen claims copy and an LRU write that no
 * request ever reads; a token a client reuses pays one extra verification, then none.
 */
export interface VerifiedTokenCache {
  readonly entries: LRUCache<string, VerifiedTokenEntry>
  readonly seen: LRUCache<string, true>
}

/** A token whose signature verified under one version of its issuer's key set. */
export interface VerifiedTokenEntry extends VerifiedJWT {
  readonly keysVersion: number
}

/** A verified JWT access token. */
export interface VerifiedJWT {
  readonly issuer: string
  readonly claims: JWTAccessTokenClaims
  /** The granted scopes, read from the claims once. */
  readonly scopes: readonly string[]
  readonly kid: string | undefined
  /**
   * base64url(SHA-256(token)), when the verified-token cache computed it: the value a DPoP proof's `ath`
   * must equal (RFC 9449 §4.3 check 12a), so the binding step need not hash the token again.
   */
  readonly tokenHash: string | undefined
}

/**
 * RFC 9068 §4 validation, one step after the other: compact JWS, `typ`, `alg`, `crit`, `kid`, `iss`,
 * `aud`, time claims, required claims — all cheap and offline — then the issuer's key and the signature.
 * Nothing is returned before the signature has verified. A token verified twice before (same SHA-256,
 * same version of the issuer's keys, not expired) skips the parse and the signature; `aud` and the
 * time claims are checked every time. Does not check `cnf` (see binding/) or scopes.
 */
export async function verifyJWTAccessToken(
  token: string,
  now: number,
  rules: JWTAccessTokenRules,
): Promise<VerifiedJWT> {
  const cache = rules.tokenCache
  const cacheKey = cache === undefined ? undefined : await rules.backend.sha256Base64url(token)
  const cached = cacheKey === undefined ? undefined : cache?.entries.get(cacheKey)
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
  const { alg, kid } = checkAccessTokenHeader(header, rules)
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
  const claims = deepFreeze(payload as JWTAccessTokenClaims)
  const verified: VerifiedJWT = { issuer, claims, scopes: Object.freeze(readScopes(claims, rules.scopeClaim)), kid: key.kid, tokenHash: cacheKey }
  if (cache !== undefined && cacheKey !== undefined && keysVersion === keyStore.version) {
    // Until `exp` (plus the tolerance, after which the claims check refuses it anyway). The claims are
    // frozen: the same object is handed to every request that presents this token.
    const ttl = ((claims.exp as number) + rules.clockTolerance - now) * 1000
    if (ttl > 0 && cache.seen.delete(cacheKey)) cache.entries.set(cacheKey, { ...verified, keysVersion }, { ttl: Math.ceil(ttl) })
    else if (ttl > 0) cache.seen.set(cacheKey, true)
  }
  return verified
}

/** Re-throws a `GuardError` with the scheme the client used, so its challenge carries the error. */
export function withScheme(error: GuardError, scheme: AuthScheme): GuardError {
  return error.scheme === scheme ? error : new GuardError(error.code, error.description, { scheme, scope: error.scope, cause: error.cause })
}
