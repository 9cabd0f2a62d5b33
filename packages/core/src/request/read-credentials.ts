import { GuardError } from '../errors/guard-error.js'
import type { RequestLike } from '../types.js'
import { parseAuthorization, type CredentialRules, type Credentials } from './parse-authorization.js'
import { readHeaderValues } from './read-headers.js'
import { readRequestDefect } from './request-defect.js'
import { hostDefect } from './resolve-request-url.js'

/** A comma, then a scheme and a space: a second credential joined onto the first (token68 has no comma). */
const REPEATED_CREDENTIALS = /,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+ /

function hasQueryToken(url: string): boolean {
  const query = url.indexOf('?')
  // Fast path: the parameter name can only be there spelled out or percent-encoded (`%61ccess_token`).
  if (query === -1 || (!url.includes('access_token', query) && !url.includes('%', query))) return false
  try {
    return new URL(url).searchParams.has('access_token')
  } catch {
    return false
  }
}

/**
 * Step 1–2 of the pipeline: refuses a request its builder found malformed (`request-defect.ts`) or
 * with more than one, or an invalid, `Host` (400), then reads the one `Authorization` header and parses it. Credentials come from
 * that header only (FAPI 2.0 §5.3.4, RFC 6750 §2.3): a query `access_token` alone is no credential,
 * and beside the header it is a second method → 400 (RFC 6750 §2).
 */
/** Longest access token accepted, in characters (`maxTokenLength`). */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192

export function readCredentials(request: RequestLike, rules: CredentialRules): Credentials {
  if (typeof request.method !== 'string' || request.method.length === 0 || typeof request.url !== 'string') {
    throw new GuardError('ERR_REQUEST_INVALID', 'the request has no method or URL')
  }
  const headers = request.headers
  if (typeof headers !== 'object' || headers === null) throw new GuardError('ERR_REQUEST_INVALID', 'the request has no headers')
  const defect = readRequestDefect(request) ?? hostDefect(readHeaderValues(headers, 'host'))
  if (defect !== undefined) throw new GuardError('ERR_REQUEST_INVALID', defect)
  const values = readHeaderValues(headers, 'authorization')
  if (values.length > 1) {
    throw new GuardError('ERR_AUTHORIZATION_DUPLICATED', 'the request has more than one Authorization header')
  }
  const value = values[0]
  if (value === undefined || value.length === 0) {
    throw new GuardError('ERR_NO_CREDENTIALS', 'the request has no Authorization header')
  }
  if (value.includes(',') && REPEATED_CREDENTIALS.test(value)) {
    // Fetch `Headers` (and proxies) join repeated fields with ", ": "Bearer a, DPoP a" is two headers.
    throw new GuardError('ERR_AUTHORIZATION_DUPLICATED', 'the request has more than one Authorization header')
  }
  if (value.length > rules.maxTokenLength + 16) {
    throw new GuardError('ERR_TOKEN_TOO_LARGE', `the access token is longer than ${rules.maxTokenLength} characters`)
  }
  const credentials = parseAuthorization(value, rules)
  if (hasQueryToken(request.url)) {
    throw new GuardError('ERR_MULTIPLE_TOKEN_METHODS', 'the access token was sent both in the header and in the query', {
      scheme: credentials.scheme,
    })
  }
  return credentials
}
