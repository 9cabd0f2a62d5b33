import { DEFAULT_CLOCK_TOLERANCE, DEFAULT_MAX_TOKEN_LIFETIME } from '../access-token/check-access-token-claims.js'
import type { DecisionEvent } from '../audit/decision-event.js'
import { DEFAULT_PROOF_MAX_AGE } from '../binding/verify-dpop-proof.js'
import { DEFAULT_REALM } from '../errors/render-challenge.js'
import { DEFAULT_JWKS_CACHE_MAX_AGE, DEFAULT_JWKS_COOLDOWN } from '../keys/issuer-key-store.js'
import { isPlainObject } from '../lib/encoding.js'
import { DEFAULT_HTTP_TIMEOUT } from '../lib/http.js'
import { DEFAULT_MAX_TOKEN_LENGTH } from '../request/read-credentials.js'
import type { Profile } from '../types.js'
import {
  checkAcrValues,
  checkAlgorithms,
  checkBoolean,
  checkClaimNames,
  checkAuthorizationDetailRequirementList,
  checkClaimRequirementList,
  checkFunction,
  checkKnownKeys,
  checkNumber,
  checkScopeTokens,
  checkStringList,
  checkSwitch,
  fail,
} from './check.js'
import { checkIssuers } from './check-issuers.js'
import {
  checkAudienceClaim,
  checkNonceOptions,
  checkOffloadSignatures,
  checkProxy,
  checkReplayStore,
  checkResource,
  checkTokenCache,
} from './check-sections.js'
import { DEFAULT_PROFILE, PROFILES } from './profiles.js'
import type { ResolvedOptions } from './resolved.js'
import type { DPoPOptions, GuardOptions, MTLSOptions } from './types.js'

const GUARD_OPTION_KEYS = {
  issuer: true,
  audience: true,
  jwksUri: true,
  jwks: true,
  introspection: true,
  profile: true,
  algorithms: true,
  clockTolerance: true,
  scopes: true,
  dpop: true,
  mtls: true,
  proxy: true,
  resource: true,
  acrValues: true,
  maxAge: true,
  claims: true,
  authorizationDetails: true,
  scopeClaim: true,
  clientIdClaim: true,
  audienceClaim: true,
  interactionId: true,
  onDecision: true,
  realm: true,
  errorDescriptions: true,
  maxTokenLength: true,
  maxTokenLifetime: true,
  tokenTypes: true,
  tokenCache: true,
  offloadSignatures: true,
  jwksCooldown: true,
  jwksCacheMaxAge: true,
  httpTimeout: true,
  fetch: true,
  clock: true,
} satisfies Record<keyof GuardOptions, true>
const DPOP_KEYS = { required: true, algorithms: true, proofMaxAge: true, nonce: true, replayStore: true } satisfies Record<keyof DPoPOptions, true>
const MTLS_KEYS = { required: true } satisfies Record<keyof MTLSOptions, true>

/** Checks every option and fills in defaults; throws a `TypeError` naming the option and the problem. */
export function resolveOptions(options: GuardOptions): ResolvedOptions {
  if (!isPlainObject(options)) throw new TypeError('fapi-guard: options must be an object')
  checkKnownKeys('', options, GUARD_OPTION_KEYS)
  const profile = options.profile ?? DEFAULT_PROFILE
  if (!Object.hasOwn(PROFILES, profile)) fail('profile', `must be one of ${Object.keys(PROFILES).join(', ')}`)
  const rules = PROFILES[profile as Profile]

  const audiences = checkStringList('audience', options.audience, { allowEmpty: false })
  const algorithms = checkAlgorithms('algorithms', options.algorithms, rules.algorithms, profile)

  const dpopOptions = checkSwitch('dpop', options.dpop, DPOP_KEYS)
  const mtlsOptions = checkSwitch('mtls', options.mtls, MTLS_KEYS)
  const dpopRequired = dpopOptions !== false && checkBoolean('dpop.required', dpopOptions.required, false)
  const dpopAlgorithms = dpopOptions === false ? [] : checkAlgorithms('dpop.algorithms', dpopOptions.algorithms, rules.algorithms, profile)
  const mtlsRequired = mtlsOptions !== false && checkBoolean('mtls.required', mtlsOptions.required, rules.mtlsRequired)
  if (rules.mtlsRequired && mtlsOptions === false) fail('mtls', `cannot be false under profile "${profile}" (RFC 8705 is required)`)
  if (dpopRequired && mtlsRequired) fail('dpop.required', 'and "mtls.required" cannot both be true')
  if (rules.senderConstrained && dpopOptions === false && mtlsOptions === false) {
    fail('dpop', `and "mtls" cannot both be false under profile "${profile}", which requires sender-constrained tokens`)
  }

  const tokenTypes = checkStringList('tokenTypes', options.tokenTypes ?? ['at+jwt'], { allowEmpty: false })
  for (const typ of tokenTypes) {
    if (typ !== 'at+jwt' && typ !== 'jwt') fail('tokenTypes', `has "${typ}"; only "at+jwt" and "jwt" are known`)
    if (typ === 'jwt' && !rules.plainJwtTyp) fail('tokenTypes', `may include "jwt" only under profile "oauth2" (RFC 9068 explicit typing)`)
  }
  if (!tokenTypes.includes('at+jwt')) fail('tokenTypes', 'must include "at+jwt"')

  const realm = options.realm ?? DEFAULT_REALM
  if (typeof realm !== 'string' || !/^[\x20-\x7E]*$/.test(realm)) fail('realm', 'must be a string of printable ASCII')
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch', 'must be a function')
  if (options.clock !== undefined && typeof options.clock !== 'function') fail('clock', 'must be a function returning milliseconds')
  if (options.clock !== undefined && !Number.isFinite(options.clock())) fail('clock', 'returned a time that is not a finite number')
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function') fail('fetch', 'is required: this runtime has no global fetch')

  return {
    profile,
    issuers: checkIssuers(options),
    audiences: new Set(audiences),
    algorithms: new Set(algorithms),
    clockTolerance: checkNumber('clockTolerance', options.clockTolerance, DEFAULT_CLOCK_TOLERANCE),
    scopes: checkScopeTokens('scopes', options.scopes ?? []),
    dpop: {
      enabled: dpopOptions !== false,
      required: dpopRequired,
      algorithms: dpopAlgorithms,
      proofMaxAge: checkNumber('dpop.proofMaxAge', dpopOptions === false ? undefined : dpopOptions.proofMaxAge, DEFAULT_PROOF_MAX_AGE, { min: 1 }),
      nonce: dpopOptions === false ? undefined : checkNonceOptions(dpopOptions.nonce),
      replayStore: dpopOptions === false ? undefined : checkReplayStore(dpopOptions.replayStore),
    },
    proxy: checkProxy(options.proxy),
    mtls: { enabled: mtlsOptions !== false, required: mtlsRequired },
    senderConstrained: rules.senderConstrained,
    requireAllClaims: rules.requireAllClaims,
    realm,
    errorDescriptions: checkBoolean('errorDescriptions', options.errorDescriptions, true),
    maxTokenLength: checkNumber('maxTokenLength', options.maxTokenLength, DEFAULT_MAX_TOKEN_LENGTH, { min: 16, integer: true }),
    maxTokenLifetime: checkNumber('maxTokenLifetime', options.maxTokenLifetime, DEFAULT_MAX_TOKEN_LIFETIME, { min: 1 }),
    acceptPlainJwtTyp: tokenTypes.includes('jwt'),
    tokenCacheMax: checkTokenCache(options.tokenCache),
    offloadSignatures: checkOffloadSignatures(options.offloadSignatures),
    resource: checkResource(options.resource),
    acrValues: options.acrValues === undefined ? undefined : checkAcrValues('acrValues', options.acrValues),
    maxAge: options.maxAge === undefined ? undefined : checkNumber('maxAge', options.maxAge, 0, { integer: true }),
    claims: checkClaimRequirementList('claims', options.claims),
    authorizationDetails: options.authorizationDetails === undefined ? undefined : checkAuthorizationDetailRequirementList('authorizationDetails', options.authorizationDetails),
    scopeClaim: checkClaimNames('scopeClaim', options.scopeClaim),
    clientIdClaims: checkClaimNames('clientIdClaim', options.clientIdClaim) ?? ['client_id'],
    audienceClaim: checkAudienceClaim(options.audienceClaim, rules.clientIdAudience),
    interactionId: checkBoolean('interactionId', options.interactionId, rules.interactionId),
    onDecision: checkFunction('onDecision', options.onDecision) as ((event: DecisionEvent) => void) | undefined,
    jwksCooldownMs: checkNumber('jwksCooldown', options.jwksCooldown, DEFAULT_JWKS_COOLDOWN, { min: 1 }) * 1000,
    jwksCacheMaxAgeMs: checkNumber('jwksCacheMaxAge', options.jwksCacheMaxAge, DEFAULT_JWKS_CACHE_MAX_AGE, { min: 1 }) * 1000,
    httpTimeoutMs: checkNumber('httpTimeout', options.httpTimeout, DEFAULT_HTTP_TIMEOUT, { min: 1 }),
    fetch: fetchImpl,
    clock: options.clock ?? Date.now,
  }
}
