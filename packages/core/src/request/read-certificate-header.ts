import { readCertificateDER } from './read-certificate-der.js'
import { decodeBase64url, encodeBase64url } from '../lib/encoding.js'
import type { RequestLike } from '../types.js'
import { outermostTrustedElement, readElementPairs } from './forwarded-elements.js'
import { readHeaderValues } from './read-headers.js'

/** How a proxy writes the client certificate into a header. */
export type CertificateHeaderFormat = 'envoy' | 'aws-alb' | 'nginx' | 'rfc9440'

/** The header a trusted proxy puts the client certificate in, and its format. */
export interface CertificateHeader {
  readonly name: string
  readonly format: CertificateHeaderFormat
}

/** Built-in header names and their formats. */
export const CERTIFICATE_HEADERS: Readonly<Record<string, CertificateHeaderFormat>> = {
  'x-forwarded-client-cert': 'envoy',
  'x-amzn-mtls-clientcert': 'aws-alb',
  'x-ssl-client-cert': 'nginx',
  'client-cert': 'rfc9440',
}

/** A certificate as a proxy reported it: its DER, or (Envoy `Hash=`) only its SHA-256. */
export type ForwardedCertificate = { readonly der: Uint8Array } | { readonly thumbprint: string }

/** Largest certificate header read, in characters. */
const MAX_HEADER_LENGTH = 32 * 1024

function decodeURIComponentSafe(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

const PEM_BEGIN = /-----BEGIN CERTIFICATE-----/g

/**
 * A PEM certificate, URL-encoded or not; with `single`, exactly one certificate (nginx, Envoy `Cert`),
 * else a chain whose first certificate is the leaf (AWS ALB). Neither encoding has a comma, so a value
 * with one is two fields joined (Fetch `Headers` joins repeats with ", "), e.g. the client's own header
 * and the proxy's: refused rather than judged on its first certificate.
 */
function fromURLEncodedPEM(value: string, single: boolean): ForwardedCertificate | undefined {
  if (value.includes(',')) return undefined
  const pem = decodeURIComponentSafe(value)
  if (pem === undefined || (single && (pem.match(PEM_BEGIN) ?? []).length !== 1)) return undefined
  const der = readCertificateDER(pem)
  return der === undefined ? undefined : { der }
}

/**
 * One element of Envoy's `x-forwarded-client-cert`: each Envoy appends one describing the certificate
 * its own client presented, so the element that counts is the one the outermost trusted proxy — the
 * one that terminated the client's TLS — wrote (`outermostTrustedElement`); the elements after it
 * describe the proxies' own certificates. `Cert` (URL-encoded PEM) is hashed ourselves; `Hash` (hex
 * SHA-256 of the DER) is used only when no `Cert` is forwarded.
 */
function fromXFCC(element: string): ForwardedCertificate | undefined {
  // Envoy writes one `Cert` and one `Hash` per element; two of either cannot be told apart.
  const pairs = readElementPairs(element, (name) => name === 'cert' || name === 'hash')
  if (pairs === undefined) return undefined
  const cert = pairs.get('cert')
  if (cert !== undefined) return fromURLEncodedPEM(cert, true)
  const hash = pairs.get('hash')
  if (hash === undefined || !/^[0-9A-Fa-f]{64}$/.test(hash)) return undefined
  const bytes = new Uint8Array(32)
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hash.slice(i * 2, i * 2 + 2), 16)
  return { thumbprint: encodeBase64url(bytes) }
}

/** RFC 9440 `Client-Cert`: a structured-field byte sequence, `:base64 DER:`. */
function fromRFC9440(value: string): ForwardedCertificate | undefined {
  const match = /^:([A-Za-z0-9+/]+={0,2}):$/.exec(value.trim())
  if (match === null) return undefined
  const base64 = (match[1] as string).replace(/=+$/, '')
  const der = decodeBase64url(base64.replace(/\+/g, '-').replace(/\//g, '_'))
  return der === undefined || der.length === 0 ? undefined : { der }
}

/** Whether the request carries the certificate header at all (readable or not). */
export function hasCertificateHeader(request: RequestLike, header: CertificateHeader): boolean {
  return readHeaderValues(request.headers, header.name).length > 0
}

/**
 * Reads the client certificate a trusted proxy forwarded, `hops` being the trusted proxies the request
 * passed (`countTrustedHops`; 0 reads nothing: from any other peer, certificate headers are attacker
 * input). Envoy's list follows the rule of `forwarded-elements.ts`; the single-certificate formats
 * (nginx, AWS ALB, RFC 9440) must occur exactly once, since two field lines cannot tell which proxy
 * wrote which. Absent, `(null)` (Apache), doubly encoded or otherwise unreadable values count as no
 * certificate.
 */
export function readCertificateHeader(request: RequestLike, header: CertificateHeader, hops: number): ForwardedCertificate | undefined {
  if (hops === 0) return undefined
  const values = readHeaderValues(request.headers, header.name)
  if (values.some((value) => value.length > MAX_HEADER_LENGTH)) return undefined
  if (header.format === 'envoy') {
    const element = outermostTrustedElement(request, header.name, hops, true)
    return element === undefined || element === null || element === '' ? undefined : fromXFCC(element)
  }
  if (values.length !== 1) return undefined
  const value = (values[0] as string).trim()
  if (value === '' || value === '(null)') return undefined
  switch (header.format) {
    case 'rfc9440':
      return fromRFC9440(value)
    case 'aws-alb':
      return fromURLEncodedPEM(value, false)
    case 'nginx':
      return fromURLEncodedPEM(value, true)
  }
}
