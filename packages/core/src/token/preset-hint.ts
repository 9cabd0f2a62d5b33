import { GuardError, isGuardError } from '../errors/guard-error.js'
import { decodeJSONObject } from '../lib/encoding.js'

/** Vendors told apart by their issuer's form (or a claim only they send), for the operator's hint only. */
const VENDORS: ReadonlyArray<{ preset: string; name: string; matches: (iss: URL | undefined, claims: Record<string, unknown>) => boolean }> = [
  { preset: 'keycloak', name: 'Keycloak', matches: (iss) => iss !== undefined && /\/realms\/[^/]+\/?$/.test(iss.pathname) },
  { preset: 'auth0', name: 'Auth0', matches: (iss) => iss !== undefined && /\.auth0\.com$/.test(iss.hostname) },
  { preset: 'entra', name: 'Microsoft Entra ID', matches: (iss) => iss?.hostname === 'login.microsoftonline.com' || iss?.hostname === 'sts.windows.net' },
  { preset: 'okta', name: 'Okta', matches: (iss, claims) => (iss !== undefined && /\.okta(preview)?\.com$/.test(iss.hostname)) || typeof claims.cid === 'string' },
  { preset: 'cognito', name: 'AWS Cognito', matches: (iss, claims) => (iss !== undefined && /^cognito-idp\./.test(iss.hostname)) || claims.token_use !== undefined },
  { preset: 'pingone', name: 'PingOne', matches: (iss) => iss !== undefined && /^auth\.pingone\./.test(iss.hostname) },
]

/** What the hint depends on in the guard's settings. */
export interface PresetHintSettings {
  readonly profile: string
  readonly audienceClaim: 'aud' | 'client_id'
}

/** Presets that accept `typ: JWT` or no `typ`. */
const LEGACY_TYP_PRESETS = VENDORS.map(({ preset }) => `presets.${preset}`).join(', ')

function parseIssuer(iss: unknown): URL | undefined {
  if (typeof iss !== 'string') return undefined
  try {
    return new URL(iss)
  } catch {
    return undefined
  }
}

/**
 * What would accept a refused token, for the operator: which `createGuard` setting (and which vendor
 * preset, guessed from the unverified `iss`) takes its `typ`, `alg` or missing `aud`. `undefined` when
 * no setting would. Never sent to the client.
 */
export function explainRefusal(code: string, token: string, settings: PresetHintSettings): string | undefined {
  const [headerSegment = '', payloadSegment = ''] = token.split('.')
  const header = decodeJSONObject(headerSegment)
  const claims = decodeJSONObject(payloadSegment) ?? {}
  if (header === undefined) return undefined
  const iss = parseIssuer(claims.iss)
  const vendor = VENDORS.find((candidate) => candidate.matches(iss, claims))
  const suggest = vendor === undefined ? LEGACY_TYP_PRESETS : `presets.${vendor.preset}: it looks like a ${vendor.name} token`
  if (code === 'ERR_JWT_TYP_INVALID') {
    const typ = header.typ
    if (typ !== undefined && (typeof typ !== 'string' || typ.toLowerCase().replace(/^application\//, '') !== 'jwt')) return undefined
    const shown = typ === undefined ? 'no "typ"' : `"typ" ${JSON.stringify(typ)}`
    return `a token with ${shown} is accepted only with profile: "oauth2" and tokenTypes: ["at+jwt", "jwt"] (${suggest}); sender-constrained FAPI tokens are "at+jwt"`
  }
  if (code === 'ERR_JWT_ALG_NOT_ALLOWED' && settings.profile !== 'oauth2' && typeof header.alg === 'string' && /^(RS|PS|ES)(256|384|512)$/.test(header.alg)) {
    return `"alg" ${header.alg} is allowed under profile: "oauth2"${vendor === undefined ? '' : ` (presets.${vendor.preset})`}`
  }
  if (code === 'ERR_JWT_AUDIENCE_INVALID' && settings.audienceClaim === 'aud' && claims.aud === undefined && typeof claims.client_id === 'string') {
    return 'the token has no "aud" but a "client_id" (as AWS Cognito access tokens): audienceClaim: "client_id" (presets.cognito) matches "audience" against it'
  }
  return undefined
}

/**
 * The same refusal with the operator's hint added to its `cause` (after any diagnosis already there);
 * `code`, `description` and what the client is sent stay as they were.
 */
export function withPresetHint(error: unknown, token: string, settings: PresetHintSettings): unknown {
  if (!isGuardError(error)) return error
  const hint = explainRefusal(error.code, token, settings)
  if (hint === undefined) return error
  const previous = error.cause
  // A diagnosis already there (a plain `Error` kind) is extended in place of being wrapped: one log line.
  const extend = previous instanceof Error && (previous.constructor === Error || previous.name === 'Diagnosis')
  const cause = extend
    ? new (previous.constructor as ErrorConstructor)(`${previous.message}; ${hint}`, previous.cause === undefined ? undefined : { cause: previous.cause })
    : new Error(hint, previous === undefined ? undefined : { cause: previous })
  return new GuardError(error.code, error.description, { scheme: error.scheme, scope: error.scope, acrValues: error.acrValues, maxAge: error.maxAge, cause })
}
