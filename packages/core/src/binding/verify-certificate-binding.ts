import { GuardError } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import { timingSafeEqualString } from '../lib/encoding.js'
import { countTrustedHops, type ForwardedFamily } from '../request/forwarded-elements.js'
import type { AddressMatcher } from '../request/proxy-trust.js'
import { hasCertificateHeader, readCertificateHeader, type CertificateHeader } from '../request/read-certificate-header.js'
import type { RequestLike } from '../types.js'
import { readCertificateDER } from '../request/read-certificate-der.js'

/** Where client certificates may come from. Fixed at `createGuard`. */
export interface CertificateRules {
  /** Peers whose certificate header is believed. */
  readonly trusted: AddressMatcher
  /** The header a trusted proxy forwards the certificate in; `undefined` reads none. */
  readonly header: CertificateHeader | undefined
  /** The header family whose hop list counts the trusted proxies (`forwarded-elements.ts`). */
  readonly forwarded: ForwardedFamily
  readonly backend: CryptoBackend
}

/** base64url (no padding) of SHA-256 over the certificate's DER: the `x5t#S256` value (RFC 8705 §3.1). */
export async function certificateThumbprint(der: Uint8Array, backend: CryptoBackend): Promise<string> {
  return backend.sha256Base64url(der)
}

/** A SHA-256 thumbprint: 43 base64url characters (RFC 9449 §6.1 `jkt`, RFC 8705 §3.1 `x5t#S256`). */
export const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/

/**
 * The thumbprint of the connection's client certificate: the hash of `clientCertificate`, else the
 * thumbprint the runtime gave (`clientCertificateThumbprint`), which must be in the `x5t#S256` form.
 * When both are given they must agree: neither is believed over the other.
 */
async function connectionThumbprint(request: RequestLike, backend: CryptoBackend): Promise<string | undefined> {
  const der = readCertificateDER(request.clientCertificate)
  const hashed = der === undefined ? undefined : await certificateThumbprint(der, backend)
  const given: unknown = request.clientCertificateThumbprint
  if (given === undefined) return hashed
  if (typeof given !== 'string' || !THUMBPRINT.test(given)) {
    throw new GuardError('ERR_MTLS_CERTIFICATE_MISMATCH', 'the client certificate thumbprint given with the request is not a base64url SHA-256 thumbprint')
  }
  if (hashed !== undefined && hashed !== given) {
    throw new GuardError('ERR_MTLS_CERTIFICATE_MISMATCH', 'the client certificate and the thumbprint given with the request differ')
  }
  return given
}

/**
 * The thumbprint of the certificate this request presented: from the TLS connection or the caller
 * (`RequestLike.clientCertificate`, or the runtime's `clientCertificateThumbprint`), else from the certificate header of a trusted proxy. When both
 * are there they must agree. A header the trusted proxy sent that holds no readable certificate
 * (`(null)`, empty, repeated, garbled) means the client presented none: the connection's own
 * certificate, which may be the proxy's, does not stand in for it. The DER is hashed, never parsed.
 */
export async function presentedThumbprint(request: RequestLike, rules: CertificateRules): Promise<string | undefined> {
  const own = await connectionThumbprint(request, rules.backend)
  if (rules.header === undefined || !rules.trusted(request.peerAddress)) return own
  const forwarded = readCertificateHeader(request, rules.header, countTrustedHops(request, rules.trusted, rules.forwarded))
  if (forwarded === undefined) return hasCertificateHeader(request, rules.header) ? undefined : own
  const relayed = 'der' in forwarded ? await certificateThumbprint(forwarded.der, rules.backend) : forwarded.thumbprint
  if (own !== undefined && own !== relayed) {
    throw new GuardError('ERR_MTLS_CERTIFICATE_MISMATCH', 'the certificate forwarded by the proxy differs from the TLS client certificate')
  }
  return relayed
}

/**
 * RFC 8705 §3: the client certificate of this request hashes to the token's `cnf["x5t#S256"]`.
 * Missing or other certificate → 401 `invalid_token`. Compared in constant time on canonical strings,
 * so a non-canonical claim value (RFC 8705 example `…dg2`), hex or padded base64 never matches.
 */
export async function verifyCertificateBinding(
  expected: string,
  request: RequestLike,
  rules: CertificateRules,
): Promise<string> {
  const thumbprint = await presentedThumbprint(request, rules)
  if (thumbprint === undefined) {
    throw new GuardError('ERR_MTLS_CERTIFICATE_MISSING', 'the access token is certificate-bound but no client certificate was presented')
  }
  if (!timingSafeEqualString(thumbprint, expected)) {
    throw new GuardError('ERR_MTLS_CERTIFICATE_MISMATCH', 'the client certificate does not match the one the access token is bound to')
  }
  return thumbprint
}
