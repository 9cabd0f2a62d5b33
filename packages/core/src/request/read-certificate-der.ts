import { decodeBase64url } from '../lib/encoding.js'
import type { ClientCertificate } from '../types.js'

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/

/**
 * The DER bytes of a client certificate given as DER, as something with `raw` (Node's
 * `X509Certificate`), or as PEM (the first `CERTIFICATE` block). `undefined` when it cannot be read.
 * The certificate is not parsed: only its hash is needed (RFC 8705 §3.1).
 */
export function readCertificateDER(certificate: ClientCertificate | undefined): Uint8Array | undefined {
  if (certificate === undefined || certificate === null) return undefined
  if (certificate instanceof Uint8Array) return certificate.length > 0 ? certificate : undefined
  if (typeof certificate === 'string') {
    const match = PEM_CERTIFICATE.exec(certificate)
    if (match === null) return undefined
    const base64 = (match[1] as string).replace(/\s+/g, '')
    const unpadded = base64.replace(/=+$/, '')
    if (unpadded.includes('=')) return undefined
    const der = decodeBase64url(unpadded.replace(/\+/g, '-').replace(/\//g, '_'))
    return der !== undefined && der.length > 0 ? der : undefined
  }
  const raw = (certificate as { raw?: unknown }).raw
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined
}
