import { GuardError, type AuthScheme } from '../errors/guard-error.js'

/** The credentials of a request: the scheme it used and the token. */
export interface Credentials {
  readonly scheme: AuthScheme
  readonly token: string
}

/** RFC 9110 §11.2 token68. */
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Parse settings fixed at `createGuard`. */
export interface CredentialRules {
  readonly dpopEnabled: boolean
  readonly maxTokenLength: number
}

/**
 * Parses `Authorization: <scheme> 1*SP token68` (RFC 6750 §2.1, RFC 9449 §7.1). The scheme compares
 * case-insensitively. A scheme this guard does not take counts as no credentials (RFC 6750 §3.1).
 */
export function parseAuthorization(value: string, rules: CredentialRules): Credentials {
  const space = value.indexOf(' ')
  const schemeText = space === -1 ? value : value.slice(0, space)
  const lower = schemeText.toLowerCase()
  const scheme: AuthScheme | undefined =
    lower === 'bearer' ? 'Bearer' : lower === 'dpop' && rules.dpopEnabled ? 'DPoP' : undefined
  if (scheme === undefined) {
    if (!SCHEME.test(schemeText)) throw new GuardError('ERR_AUTHORIZATION_MALFORMED', 'the Authorization header is malformed')
    throw new GuardError('ERR_NO_CREDENTIALS', 'the Authorization scheme is not one this resource server accepts')
  }
  let start = space
  while (start !== -1 && value.charCodeAt(start) === 32) start++
  const token = start === -1 ? '' : value.slice(start)
  if (token.length === 0) throw new GuardError('ERR_AUTHORIZATION_MALFORMED', `the ${scheme} credentials carry no token`, { scheme })
  if (token.length > rules.maxTokenLength) {
    throw new GuardError('ERR_TOKEN_TOO_LARGE', `the access token is longer than ${rules.maxTokenLength} characters`, { scheme })
  }
  if (!TOKEN68.test(token)) {
    throw new GuardError('ERR_AUTHORIZATION_MALFORMED', `the ${scheme} token is not token68 syntax`, { scheme })
  }
  return { scheme, token }
}
