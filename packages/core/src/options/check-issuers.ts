import type { JWK } from 'jose'
import { AUTH_METHODS, assertionAlgorithm, type IntrospectionAuthMethod } from '../introspection/authenticate-client.js'
import {
  DEFAULT_INTROSPECTION_CACHE_MAX,
  DEFAULT_INTROSPECTION_NEGATIVE_TTL,
  DEFAULT_INTROSPECTION_TTL,
  type IntrospectionCacheStore,
} from '../introspection/introspection-cache.js'
import { checkPublicKeyStrength, PRIVATE_JWK_MEMBERS } from '../keys/check-key-strength.js'
import type { KeySource } from '../keys/issuer-key-store.js'
import { isPlainObject } from '../lib/encoding.js'
import { DEFAULT_HTTP_TIMEOUT } from '../lib/http.js'
import { isSecureOrLoopback, parseURL } from '../lib/url.js'
import type { JSONWebKeySet } from '../types.js'
import { checkKnownKeys, checkNumber, checkSwitch, fail } from './check.js'
import type { ResolvedIntrospection, ResolvedIssuer } from './resolved.js'
import type { GuardOptions, IntrospectionOptions, IssuerOptions } from './types.js'

// The `issuer` option (one or several authorization servers), their keys and their introspection.

const ISSUER_KEYS = { issuer: true, jwksUri: true, jwks: true, introspection: true } satisfies Record<keyof IssuerOptions, true>
const INTROSPECTION_KEYS = {
  endpoint: true,
  clientId: true,
  clientSecret: true,
  authMethod: true,
  privateKey: true,
  certificate: true,
  responseFormat: true,
  tokens: true,
  requireAudience: true,
  tokenPrefix: true,
  cache: true,
  timeout: true,
} satisfies Record<keyof IntrospectionOptions, true>
const INTROSPECTION_CACHE_KEYS = { ttl: true, negativeTtl: true, store: true, max: true } satisfies Record<keyof Exclude<IntrospectionOptions['cache'], false | undefined>, true>
/** RFC 6750 §2.1 `b64token` characters (DPoP's `token68` is the same set): a prefix with others matches no token. */
const TOKEN_PREFIX = /^[A-Za-z0-9\-._~+/]+$/

function checkKeyURL(option: string, value: unknown): URL {
  if (typeof value !== 'string') fail(option, 'must be a URL string')
  const url = parseURL(value)
  if (url === undefined) fail(option, `is not an absolute URL`)
  if (!isSecureOrLoopback(url)) fail(option, 'must use https (plain http only on loopback hosts)')
  return url
}

function checkJWKS(option: string, value: unknown): JSONWebKeySet {
  if (!isPlainObject(value) || !Array.isArray(value.keys)) fail(option, 'must be a JSON Web Key Set: { keys: [...] }')
  for (const key of value.keys as unknown[]) {
    if (!isPlainObject(key) || typeof key.kty !== 'string') fail(option, 'must contain only JWK objects with a "kty"')
    for (const member of PRIVATE_JWK_MEMBERS) {
      if (member in key) fail(option, `contains a private or secret key member "${member}"; give public keys only`)
    }
    const weakness = checkPublicKeyStrength(key)
    if (weakness !== undefined) fail(option, `contains a key that is refused: ${weakness}`)
  }
  return { keys: (value.keys as JWK[]).map((key) => ({ ...key })) }
}

/** The name of an issuer member in messages: top-level (`jwksUri`) for the single string issuer, else `issuer[1].jwksUri`. */
function memberName(option: string, member: string): string {
  return option === 'issuer' ? member : `${option}.${member}`
}

function checkIssuer(option: string, value: unknown): ResolvedIssuer {
  const entry = typeof value === 'string' ? { issuer: value } : value
  if (!isPlainObject(entry)) fail(option, 'must be an issuer identifier or { issuer, jwksUri?, jwks?, introspection? }')
  checkKnownKeys(option, entry, ISSUER_KEYS, 'issuer option')
  const { issuer, jwksUri, jwks } = entry
  if (typeof issuer !== 'string' || issuer.length === 0) fail(`${option}`, 'must name a non-empty issuer identifier')
  if (issuer.trim() !== issuer) fail(option, `"${issuer}" has surrounding whitespace, so no token's "iss" could ever match it`)
  const url = parseURL(issuer)
  if (url === undefined) fail(option, `"${issuer}" is not an absolute URL`)
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    fail(option, `"${issuer}" must not have a query or fragment (RFC 8414 §2)`)
  }
  if (jwksUri !== undefined && jwks !== undefined) fail(option, 'takes "jwksUri" or "jwks", not both')
  const introspection = checkIntrospection(memberName(option, 'introspection'), entry.introspection)
  const needsDiscovery = (jwks === undefined && jwksUri === undefined) || (introspection !== undefined && introspection.endpoint === undefined)
  if (needsDiscovery && !isSecureOrLoopback(url)) {
    fail(option, `"${issuer}" must use https for discovery (plain http only on loopback hosts)`)
  }
  const keys: KeySource =
    jwks !== undefined
      ? { kind: 'static', jwks: checkJWKS(memberName(option, 'jwks'), jwks) }
      : jwksUri !== undefined
        ? { kind: 'remote', jwksUri: checkKeyURL(memberName(option, 'jwksUri'), jwksUri) }
        : { kind: 'discovery' }
  return { issuer, keys, introspection }
}

function checkIntrospection(option: string, value: unknown): ResolvedIntrospection | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail(option, 'must be { clientId, ... }')
  checkKnownKeys(option, value, INTROSPECTION_KEYS)
  const { clientId, clientSecret, privateKey, certificate } = value
  if (typeof clientId !== 'string' || clientId.length === 0) fail(`${option}.clientId`, 'must be a non-empty string')
  const authMethod = (value.authMethod ?? 'client_secret_basic') as IntrospectionAuthMethod
  if (!AUTH_METHODS.includes(authMethod)) fail(`${option}.authMethod`, `must be one of ${AUTH_METHODS.join(', ')}`)
  const usesSecret = authMethod === 'client_secret_basic' || authMethod === 'client_secret_post'
  if (usesSecret && (typeof clientSecret !== 'string' || clientSecret.length === 0)) {
    fail(`${option}.clientSecret`, `is required for ${authMethod}`)
  }
  if (!usesSecret && clientSecret !== undefined) fail(`${option}.clientSecret`, `is not used by ${authMethod}`)
  if (authMethod === 'private_key_jwt') {
    if (!isPlainObject(privateKey) || typeof privateKey.d !== 'string' || assertionAlgorithm(privateKey as JWK) === undefined) {
      fail(`${option}.privateKey`, 'must be a private JWK (RSA, EC or OKP) for private_key_jwt')
    }
  } else if (privateKey !== undefined) fail(`${option}.privateKey`, 'is only used by private_key_jwt')
  if (authMethod === 'tls_client_auth') {
    if (!isPlainObject(certificate) || typeof certificate.cert !== 'string' || typeof certificate.key !== 'string') {
      fail(`${option}.certificate`, 'must be { cert, key } (PEM) for tls_client_auth')
    }
  } else if (certificate !== undefined) fail(`${option}.certificate`, 'is only used by tls_client_auth')
  const responseFormat = value.responseFormat ?? 'json'
  if (responseFormat !== 'json' && responseFormat !== 'jwt') fail(`${option}.responseFormat`, 'must be "json" or "jwt"')
  const tokens = value.tokens ?? 'opaque'
  if (tokens !== 'opaque' && tokens !== 'all') fail(`${option}.tokens`, 'must be "opaque" or "all"')
  const requireAudience = value.requireAudience === undefined ? true : value.requireAudience
  if (typeof requireAudience !== 'boolean') fail(`${option}.requireAudience`, 'must be true or false')
  const tokenPrefix = value.tokenPrefix
  if (tokenPrefix !== undefined && (typeof tokenPrefix !== 'string' || !TOKEN_PREFIX.test(tokenPrefix))) {
    fail(`${option}.tokenPrefix`, 'must be a non-empty string of access-token characters (RFC 6750 b64token)')
  }
  return {
    endpoint: value.endpoint === undefined ? undefined : checkKeyURL(`${option}.endpoint`, value.endpoint),
    clientId,
    clientSecret: clientSecret as string | undefined,
    authMethod,
    privateKey: privateKey as JWK | undefined,
    certificate: certificate as { cert: string; key: string } | undefined,
    responseFormat,
    tokens,
    requireAudience,
    tokenPrefix,
    cache: checkIntrospectionCache(`${option}.cache`, value.cache),
    timeoutMs: checkNumber(`${option}.timeout`, value.timeout, DEFAULT_HTTP_TIMEOUT, { min: 1 }),
  }
}

function checkIntrospectionCache(option: string, value: unknown): ResolvedIntrospection['cache'] {
  if (value === false) return undefined
  const settings = checkSwitch(option, value, INTROSPECTION_CACHE_KEYS)
  if (settings === false) return undefined
  const store = settings.store
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof (store as IntrospectionCacheStore).get !== 'function' || typeof (store as IntrospectionCacheStore).set !== 'function')) {
    fail(`${option}.store`, 'must have get(key) and set(key, response, ttlMs) methods')
  }
  const max = checkNumber(`${option}.max`, settings.max, DEFAULT_INTROSPECTION_CACHE_MAX, { min: 1, integer: true })
  return {
    store: store as IntrospectionCacheStore | undefined,
    max,
    ttlMs: checkNumber(`${option}.ttl`, settings.ttl, DEFAULT_INTROSPECTION_TTL) * 1000,
    negativeTtlMs: checkNumber(`${option}.negativeTtl`, settings.negativeTtl, DEFAULT_INTROSPECTION_NEGATIVE_TTL) * 1000,
  }
}

export function checkIssuers(options: GuardOptions): Map<string, ResolvedIssuer> {
  const { issuer, jwksUri, jwks, introspection } = options
  if (issuer === undefined) fail('issuer', 'is required')
  const list = Array.isArray(issuer) ? issuer : [issuer]
  if (list.length === 0) fail('issuer', 'must not be empty')
  const topLevel = jwksUri !== undefined ? 'jwksUri' : jwks !== undefined ? 'jwks' : introspection !== undefined ? 'introspection' : undefined
  if (topLevel !== undefined && (list.length !== 1 || typeof list[0] !== 'string')) {
    fail(topLevel, 'applies to a single issuer string; give it inside each issuer entry')
  }
  const issuers = new Map<string, ResolvedIssuer>()
  list.forEach((entry, index) => {
    const name = Array.isArray(issuer) ? `issuer[${index}]` : 'issuer'
    const withTopLevelKeys =
      typeof entry === 'string' && topLevel !== undefined
        ? {
            issuer: entry,
            ...(jwksUri !== undefined && { jwksUri }),
            ...(jwks !== undefined && { jwks }),
            ...(introspection !== undefined && { introspection }),
          }
        : entry
    const resolved = checkIssuer(name, withTopLevelKeys)
    if (issuers.has(resolved.issuer)) fail(name, `repeats issuer "${resolved.issuer}"`)
    issuers.set(resolved.issuer, resolved)
  })
  checkTokenRouting(issuers)
  return issuers
}

/**
 * An opaque token must go to exactly one issuer (sending it to each in turn shows every issuer the
 * others' tokens): with several issuers that introspect, at most one may lack `tokenPrefix`, and no
 * prefix may start another (a token would match both).
 */
function checkTokenRouting(issuers: ReadonlyMap<string, ResolvedIssuer>): void {
  const introspecting = [...issuers.values()].filter((entry) => entry.introspection !== undefined)
  if (introspecting.length < 2) return
  const unprefixed = introspecting.filter((entry) => entry.introspection?.tokenPrefix === undefined)
  if (unprefixed.length > 1) {
    fail(
      'issuer',
      `has ${unprefixed.length} issuers that introspect without "introspection.tokenPrefix" (${unprefixed.map((entry) => `"${entry.issuer}"`).join(', ')}): ` +
        'an opaque token could not be sent to exactly one of them; give all but one a tokenPrefix',
    )
  }
  const prefixed = introspecting.flatMap((entry) => (entry.introspection?.tokenPrefix === undefined ? [] : [[entry.issuer, entry.introspection.tokenPrefix] as const]))
  for (const [issuer, prefix] of prefixed) {
    for (const [other, otherPrefix] of prefixed) {
      if (issuer !== other && otherPrefix.startsWith(prefix)) {
        fail('issuer', `has token prefixes that overlap: "${prefix}" of "${issuer}" also matches tokens of "${other}" ("${otherPrefix}")`)
      }
    }
  }
}
