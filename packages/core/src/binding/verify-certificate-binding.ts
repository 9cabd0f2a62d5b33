import { GuardError, type AuthScheme } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import { encodeBase64url, timingSafeEqualString } from '../lib/encoding.js'
import type { ClientCertificate } from '../types.js'
import { readCertificateDER } from './read-certificate-der.js'

/** base64url (no padding) of SHA-256 over the certificate's DER: the `x5t#S256` value (RFC 8705 §3.1). */
export async function certificateThumbprint(der: Uint8Array, backend: CryptoBackend): Promise<string> {
  return encodeBase64url(await backend.sha256(der))
}

/**
 * RFC 8705 §3: the client certificate of this request hashes to the token's `cnf["x5t#S256"]`.
 * Missing or other certificate → 401 `invalid_token`. Compared in constant time on canonical strings,
 * so a non-canonical claim value (RFC 8705 example `…dg2`) never matches.
 */
export async function verifyCertificateBinding(
  expected: string,
  certificate: ClientCertificate | undefined,
  scheme: AuthScheme,
  backend: CryptoBackend,
): Promise<string> {
  const der = readCertificateDER(certificate)
  if (der === undefined) {
    throw new GuardError('ERR_MTLS_CERTIFICATE_MISSING', 'the access token is certificate-bound but no client certificate was presented', { scheme })
  }
  const thumbprint = await certificateThumbprint(der, backend)
  if (!timingSafeEqualString(thumbprint, expected)) {
    throw new GuardError('ERR_MTLS_CERTIFICATE_MISMATCH', 'the client certificate does not match the one the access token is bound to', { scheme })
  }
  return thumbprint
}
