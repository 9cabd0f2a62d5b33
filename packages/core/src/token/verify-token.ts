import { readScopes } from '../access-token/check-scopes.js'
import { countSegments } from '../access-token/parse-compact-jws.js'
import { verifyJWTAccessToken, type JWTAccessTokenRules } from '../access-token/verify-jwt-access-token.js'
import { readAuthorizationDetails } from '../authorization/authorization-details.js'
import { GuardError } from '../errors/guard-error.js'
import { checkIntrospectionClaims, isActive, type IntrospectionClaimRules } from '../introspection/check-introspection-response.js'
import type { TokenIntrospector } from '../introspection/introspect-token.js'
import { decodeJSONObject } from '../lib/encoding.js'
import { withPresetHint, type PresetHintSettings } from './preset-hint.js'
import type { AuthorizationDetail, IntrospectedClaims, JWTAccessTokenClaims } from '../types.js'

/** One issuer's introspection, and what an active answer must satisfy (`requireAudience` is per issuer). */
export interface IssuerIntrospection {
  readonly introspector: TokenIntrospector
  readonly claims: IntrospectionClaimRules
}

/** What step 3 needs, built once by assembly. */
export interface TokenRules {
  readonly jwt: JWTAccessTokenRules
  /** Introspection by issuer. */
  readonly introspection: ReadonlyMap<string, IssuerIntrospection>
  readonly scopeClaim: readonly string[] | undefined
  /** For the operator's hint on a refused JWT (`presets`). */
  readonly presetHint: PresetHintSettings
}

/** A token whose claims were verified, locally or by its issuer. */
export interface VerifiedToken {
  readonly issuer: string
  readonly claims: JWTAccessTokenClaims | IntrospectedClaims
  readonly scopes: readonly string[]
  readonly source: 'jwt' | 'introspection'
  readonly kid: string | undefined
  /** RFC 9396 `authorization_details`, checked (a malformed one refuses the token); `undefined` when absent. */
  readonly authorizationDetails: readonly AuthorizationDetail[] | undefined
  /** base64url(SHA-256(token)) when step 3 computed it (the verified-token cache), for the DPoP `ath` check. */
  readonly tokenHash: string | undefined
}

/**
 * Step 3: a JWT is verified here (RFC 9068 §4), anything else is introspected (RFC 7662) by the one
 * issuer that claims it. A token is a JWT when it has three segments and, with introspection
 * configured, its first segment is a JSON object: an opaque token may contain two dots (RFC 9449's
 * example does). `now` in seconds.
 */
export async function verifyToken(token: string, now: number, rules: TokenRules): Promise<VerifiedToken> {
  const jwt = countSegments(token) === 3 && (rules.introspection.size === 0 || decodeJSONObject(token.slice(0, token.indexOf('.'))) !== undefined)
  return jwt ? verifyJWT(token, now, rules) : introspectOpaque(token, now, rules)
}

/** A JWT: RFC 9068 checks; with `tokens: 'all'` its issuer must also call it active (revocation). */
async function verifyJWT(token: string, now: number, rules: TokenRules): Promise<VerifiedToken> {
  let verified: Awaited<ReturnType<typeof verifyJWTAccessToken>>
  try {
    verified = await verifyJWTAccessToken(token, now, rules.jwt)
  } catch (error) {
    // Only on refusal: the operator's cause names the setting (or preset) that would accept the token.
    throw withPresetHint(error, token, rules.presetHint)
  }
  const { issuer, claims, scopes, kid, tokenHash } = verified
  const introspection = rules.introspection.get(issuer)
  if (introspection?.introspector.tokens === 'all' && !isActive(await introspection.introspector.introspect(token))) {
    throw new GuardError('ERR_TOKEN_INACTIVE', 'the issuer reports the access token as not active (revoked?)')
  }
  return { issuer, claims, scopes, source: 'jwt', kid, authorizationDetails: readAuthorizationDetails(claims), tokenHash }
}

/**
 * Anything else: asked of exactly one issuer, the one that claims the token (never of each in turn:
 * issuer A must not see issuer B's tokens), and its answer must describe an access token for this API.
 */
async function introspectOpaque(token: string, now: number, rules: TokenRules): Promise<VerifiedToken> {
  if (rules.introspection.size === 0) {
    const jwe = countSegments(token) === 5
    throw new GuardError('ERR_TOKEN_MALFORMED', jwe ? 'encrypted (JWE) access tokens are not accepted' : 'the access token is not a JWT')
  }
  const claimant = claimingIssuer(token, rules)
  if (claimant === undefined) {
    throw new GuardError('ERR_TOKEN_MALFORMED', 'the access token is not a JWT, and no issuer introspects tokens of its form')
  }
  const { introspector, claims: claimRules } = claimant
  const response = await introspector.introspect(token)
  if (!isActive(response)) throw new GuardError('ERR_TOKEN_INACTIVE', 'the access token is not active')
  checkIntrospectionClaims(response, introspector.issuer, now, claimRules)
  const scopes = Object.freeze(readScopes(response, rules.scopeClaim))
  const authorizationDetails = readAuthorizationDetails(response)
  return { issuer: introspector.issuer, claims: response as IntrospectedClaims, scopes, source: 'introspection', kid: undefined, authorizationDetails, tokenHash: undefined }
}

/**
 * The issuer that claims an opaque token: the one whose `tokenPrefix` it starts with, else the one
 * without a prefix; the options check made sure at most one of each can match.
 */
function claimingIssuer(token: string, rules: TokenRules): IssuerIntrospection | undefined {
  let unprefixed: IssuerIntrospection | undefined
  for (const entry of rules.introspection.values()) {
    const prefix = entry.introspector.tokenPrefix
    if (prefix === undefined) unprefixed = entry
    else if (token.startsWith(prefix)) return entry
  }
  return unprefixed
}
