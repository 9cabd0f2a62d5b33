import { GuardError, type AuthScheme } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import { isPlainObject } from '../lib/encoding.js'
import type { RequestLike, TokenBinding } from '../types.js'
import { THUMBPRINT, verifyCertificateBinding, type CertificateRules } from './verify-certificate-binding.js'
import { verifyDPoPProof, type DPoPRules } from './verify-dpop-proof.js'

/** Binding rules fixed at `createGuard`. */
export interface BindingRules {
  readonly dpop: { readonly enabled: boolean; readonly required: boolean }
  readonly mtls: { readonly enabled: boolean; readonly required: boolean }
  readonly senderConstrained: boolean
  readonly backend: CryptoBackend
  readonly dpopProof: DPoPRules
  readonly certificates: CertificateRules
}

/** The bindings verified, and headers the response must carry on success. */
export interface VerifiedBinding {
  readonly binding: TokenBinding
  readonly responseHeaders: Record<string, string>
  /** With server nonces on: whether the proof's nonce was current or is being renewed. */
  readonly nonce: 'valid' | 'renewed' | undefined
}

/** The `cnf` members this resource server can check, read strictly. */
export interface Confirmation {
  readonly jkt: string | undefined
  readonly x5tS256: string | undefined
}

const KNOWN_CNF_MEMBERS = new Set(['jkt', 'x5t#S256'])

/**
 * Reads `cnf` (RFC 7800). A `cnf` that is not an object, a thumbprint that is not 43 base64url
 * characters, or any confirmation method we cannot check refuses the token: what cannot be
 * verified is never let through.
 */
export function readConfirmation(cnf: unknown): Confirmation {
  if (cnf === undefined) return { jkt: undefined, x5tS256: undefined }
  if (!isPlainObject(cnf)) throw new GuardError('ERR_CNF_INVALID', 'the "cnf" claim is not an object')
  for (const member of Object.keys(cnf)) {
    if (!KNOWN_CNF_MEMBERS.has(member)) {
      throw new GuardError('ERR_CNF_INVALID', `the "cnf" claim has a confirmation method this resource server cannot check`)
    }
  }
  const { jkt, 'x5t#S256': x5tS256 } = cnf
  if (jkt !== undefined && (typeof jkt !== 'string' || !THUMBPRINT.test(jkt))) {
    throw new GuardError('ERR_CNF_INVALID', 'the "cnf.jkt" value is not a SHA-256 JWK thumbprint')
  }
  if (x5tS256 !== undefined && (typeof x5tS256 !== 'string' || !THUMBPRINT.test(x5tS256))) {
    throw new GuardError('ERR_CNF_INVALID', 'the "cnf.x5t#S256" value is not a SHA-256 certificate thumbprint')
  }
  return { jkt, x5tS256 }
}

/**
 * Step 4 of the pipeline: every binding the token carries is checked, whatever is switched on
 * (DESIGN: switching a binding type off never lets a bound token through). A DPoP-bound token needs
 * the `DPoP` scheme and a valid proof (RFC 9449 §7.1–7.2); an unbound one must not use the scheme.
 * A certificate-bound one needs the matching client certificate (RFC 8705 §3). Then the profile's demands.
 * `now` in seconds.
 */
export async function verifyTokenBinding(
  cnf: unknown,
  scheme: AuthScheme,
  request: RequestLike,
  token: string,
  now: number,
  rules: BindingRules,
  tokenHash?: string,
): Promise<VerifiedBinding> {
  const { jkt, x5tS256 } = readConfirmation(cnf)
  if (jkt !== undefined && scheme !== 'DPoP') {
    throw new GuardError('ERR_DPOP_BINDING_SCHEME_MISMATCH', 'the access token is DPoP-bound and must be sent with the DPoP scheme')
  }
  if (jkt === undefined && scheme === 'DPoP') {
    throw new GuardError('ERR_DPOP_BINDING_SCHEME_MISMATCH', 'the DPoP scheme was used with an access token that is not DPoP-bound')
  }
  if (rules.mtls.required && x5tS256 === undefined) {
    throw new GuardError('ERR_TOKEN_NOT_SENDER_CONSTRAINED', 'this resource server accepts only certificate-bound access tokens')
  }
  if (rules.dpop.required && jkt === undefined) {
    throw new GuardError('ERR_TOKEN_NOT_SENDER_CONSTRAINED', 'this resource server accepts only DPoP-bound access tokens')
  }
  if (rules.senderConstrained && jkt === undefined && x5tS256 === undefined) {
    throw new GuardError('ERR_TOKEN_NOT_SENDER_CONSTRAINED', 'the access token is not sender-constrained (DPoP or certificate-bound)')
  }
  let binding: TokenBinding = {}
  let responseHeaders: Record<string, string> = {}
  let nonce: VerifiedBinding['nonce']
  if (x5tS256 !== undefined) {
    if (!rules.mtls.enabled) {
      throw new GuardError('ERR_CNF_INVALID', 'the access token is certificate-bound and this resource server does not take such tokens')
    }
    await verifyCertificateBinding(x5tS256, request, rules.certificates)
    binding = { mtls: { x5tS256 } }
  }
  if (jkt !== undefined) {
    const proof = await verifyDPoPProof(request, token, jkt, now, rules.dpopProof, tokenHash)
    binding = { ...binding, dpop: { jkt: proof.jkt } }
    responseHeaders = proof.responseHeaders
    if (rules.dpopProof.nonce !== undefined) nonce = 'dpop-nonce' in proof.responseHeaders ? 'renewed' : 'valid'
  }
  return { binding, responseHeaders, nonce }
}
