import { DEFAULT_NONCE_LIFETIME, MIN_NONCE_SECRET_BYTES } from '../binding/dpop-nonce.js'
import { DEFAULT_TOKEN_CACHE_MAX } from '../access-token/verify-jwt-access-token.js'
import { isPlainObject } from '../lib/encoding.js'
import { isSecureOrLoopback, parseURL } from '../lib/url.js'
import { DEFAULT_FORWARDED_HEADERS } from '../request/forwarded-elements.js'
import { compileTrustedProxies } from '../request/proxy-trust.js'
import { CERTIFICATE_HEADERS, type CertificateHeader, type CertificateHeaderFormat } from '../request/read-certificate-header.js'
import type { ReplayStore } from '../replay/replay-store.js'
import { checkKnownKeys, checkNumber, checkScopeTokens, checkStringList, checkSwitch, fail } from './check.js'
import type { ResolvedOptions } from './resolved.js'
import type { DPoPOptions, GuardOptions, ProxyOptions } from './types.js'

// The option sections that are more than a number or a switch: resource metadata, DPoP nonces and
// replay store, proxies and certificate headers, the token cache.

const RESOURCE_KEYS = { identifier: true, name: true, documentation: true, scopes: true, authorizationDetailsTypes: true } satisfies Record<keyof NonNullable<GuardOptions['resource']>, true>
const NONCE_KEYS = { secret: true, lifetime: true } satisfies Record<keyof NonNullable<DPoPOptions['nonce']>, true>
const PROXY_KEYS = { trusted: true, publicUrl: true, forwardedHeaders: true, certificateHeader: true } satisfies Record<keyof ProxyOptions, true>
const TOKEN_CACHE_KEYS = { max: true } satisfies Record<keyof Exclude<GuardOptions['tokenCache'], false | undefined>, true>

export function checkResource(value: unknown): ResolvedOptions['resource'] {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail('resource', 'must be { identifier, name?, documentation?, scopes?, authorizationDetailsTypes? }')
  checkKnownKeys('resource', value, RESOURCE_KEYS)
  const raw = value.identifier
  const identifier = typeof raw === 'string' ? parseURL(raw) : undefined
  if (identifier === undefined || identifier.protocol !== 'https:' && !(identifier.protocol === 'http:' && isSecureOrLoopback(identifier))) {
    fail('resource.identifier', 'must be an https URL (plain http only on loopback hosts)')
  }
  // An empty `?` or `#` parses to an empty search or hash, so the text is checked too.
  if (identifier.hash !== '' || identifier.search !== '' || /[?#]/.test(raw as string)) {
    fail('resource.identifier', 'must not have a query or fragment (RFC 9728 §1.2)')
  }
  // `resource` is served as given and clients compare it exactly (RFC 9728 §3.3); the URL parser would
  // trim or encode these, so the metadata URL and `resource` would no longer agree.
  if (/[\x00-\x20\x7F]/.test(raw as string)) fail('resource.identifier', 'must not contain whitespace or control characters')
  if (identifier.username !== '' || identifier.password !== '') fail('resource.identifier', 'must not have userinfo (the metadata is public)')
  for (const key of ['name', 'documentation'] as const) {
    // RFC 9728 §3.2: members with no value are left out, never sent empty.
    if (value[key] !== undefined && (typeof value[key] !== 'string' || value[key] === '')) fail(`resource.${key}`, 'must be a non-empty string')
  }
  if (value.documentation !== undefined && parseURL(value.documentation as string) === undefined) fail('resource.documentation', 'must be a URL')
  return {
    identifier: value.identifier as string,
    name: value.name as string | undefined,
    documentation: value.documentation as string | undefined,
    scopes: value.scopes === undefined ? undefined : checkScopeTokens('resource.scopes', value.scopes),
    authorizationDetailsTypes: value.authorizationDetailsTypes === undefined ? undefined : checkDetailTypes(value.authorizationDetailsTypes),
  }
}

/** `resource.authorizationDetailsTypes`: a non-empty array of RFC 9396 `type` values (non-empty strings), without repeats. */
function checkDetailTypes(value: unknown): string[] {
  if (!Array.isArray(value)) fail('resource.authorizationDetailsTypes', 'must be an array of authorization details types')
  return [...new Set(checkStringList('resource.authorizationDetailsTypes', value, { allowEmpty: false }))]
}

export function checkAudienceClaim(value: unknown, allowed: boolean): 'aud' | 'client_id' {
  if (value === undefined || value === 'aud') return 'aud'
  if (value !== 'client_id') fail('audienceClaim', 'must be "aud" or "client_id"')
  if (!allowed) fail('audienceClaim', 'may be "client_id" only under profile "oauth2" (RFC 9068 requires "aud")')
  return value
}

export function checkTokenCache(value: unknown): number {
  const settings = checkSwitch('tokenCache', value, TOKEN_CACHE_KEYS)
  return settings === false ? 0 : checkNumber('tokenCache.max', settings.max, DEFAULT_TOKEN_CACHE_MAX, { min: 1, integer: true })
}

export function checkOffloadSignatures(value: unknown): 'auto' | boolean {
  if (value === undefined) return 'auto'
  if (value !== 'auto' && typeof value !== 'boolean') fail('offloadSignatures', 'must be "auto", true or false')
  return value
}

export function checkNonceOptions(value: unknown): ResolvedOptions['dpop']['nonce'] {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail('dpop.nonce', 'must be { secret, lifetime? }')
  checkKnownKeys('dpop.nonce', value, NONCE_KEYS)
  const list = Array.isArray(value.secret) ? (value.secret as unknown[]) : [value.secret]
  if (list.length === 0) fail('dpop.nonce.secret', 'must not be empty')
  const secrets = list.map((secret) => {
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
    if (!(bytes instanceof Uint8Array) || bytes.length < MIN_NONCE_SECRET_BYTES) {
      fail('dpop.nonce.secret', `must be strings or bytes of at least ${MIN_NONCE_SECRET_BYTES} bytes each`)
    }
    return new Uint8Array(bytes)
  })
  return { secrets, stepSeconds: checkNumber('dpop.nonce.lifetime', value.lifetime, DEFAULT_NONCE_LIFETIME, { min: 1, integer: true }) }
}

export function checkReplayStore(value: unknown): ReplayStore | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value) && typeof value !== 'object') fail('dpop.replayStore', 'must be a ReplayStore')
  if (typeof (value as ReplayStore).useOnce !== 'function') fail('dpop.replayStore', 'must have a useOnce(key, expiresAt) method')
  return value as ReplayStore
}

export function checkProxy(value: unknown): ResolvedOptions['proxy'] {
  if (value === undefined) return { trusted: () => false, publicUrl: undefined, forwardedHeaders: DEFAULT_FORWARDED_HEADERS, certificateHeader: undefined }
  if (!isPlainObject(value)) fail('proxy', 'must be { trusted?, publicUrl?, forwardedHeaders?, certificateHeader? }')
  checkKnownKeys('proxy', value, PROXY_KEYS)
  const forwardedHeaders = value.forwardedHeaders ?? DEFAULT_FORWARDED_HEADERS
  if (forwardedHeaders !== 'x-forwarded' && forwardedHeaders !== 'forwarded') fail('proxy.forwardedHeaders', 'must be "x-forwarded" or "forwarded"')
  const trusted = value.trusted === undefined ? [] : checkStringList('proxy.trusted', value.trusted, { allowEmpty: true })
  const { matcher, invalid } = compileTrustedProxies(trusted)
  if (invalid.length > 0) fail('proxy.trusted', `has "${invalid[0]}", which is not an IP address, a CIDR range or "loopback"`)
  let publicUrl: URL | undefined
  if (value.publicUrl !== undefined) {
    publicUrl = typeof value.publicUrl === 'string' ? parseURL(value.publicUrl) : undefined
    if (publicUrl === undefined || (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:')) {
      fail('proxy.publicUrl', 'must be an absolute http(s) URL')
    }
    if (publicUrl.search !== '' || publicUrl.hash !== '' || publicUrl.username !== '') {
      fail('proxy.publicUrl', 'must not have a query, fragment or userinfo')
    }
  }
  const certificateHeader = checkCertificateHeader(value.certificateHeader)
  if (certificateHeader !== undefined && trusted.length === 0) {
    fail('proxy.certificateHeader', 'is read only from trusted proxies, and "proxy.trusted" is empty')
  }
  return { trusted: matcher, publicUrl, forwardedHeaders, certificateHeader }
}


const CERTIFICATE_FORMATS: readonly CertificateHeaderFormat[] = [...new Set(Object.values(CERTIFICATE_HEADERS))]
const RESERVED_HEADERS = /^(authorization|dpop|host|forwarded|x-forwarded-(for|host|proto|port|prefix)|cookie|content-.*)$/i

export function checkCertificateHeader(value: unknown): CertificateHeader | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') {
    const format = CERTIFICATE_HEADERS[value.toLowerCase()]
    if (format === undefined) fail('proxy.certificateHeader', `must be one of ${Object.keys(CERTIFICATE_HEADERS).join(', ')}, or { name, format }`)
    return { name: value.toLowerCase(), format }
  }
  if (!isPlainObject(value) || typeof value.name !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value.name)) {
    fail('proxy.certificateHeader', 'must be a built-in header name or { name, format } with a valid header name')
  }
  checkKnownKeys('proxy.certificateHeader', value, { name: true, format: true })
  if (RESERVED_HEADERS.test(value.name)) fail('proxy.certificateHeader.name', `"${value.name}" is a header with another meaning`)
  if (!CERTIFICATE_FORMATS.includes(value.format as CertificateHeaderFormat)) {
    fail('proxy.certificateHeader.format', `must be one of ${CERTIFICATE_FORMATS.join(', ')}`)
  }
  return { name: value.name.toLowerCase(), format: value.format as CertificateHeaderFormat }
}
