/**
 * Helpers for the certificate-binding suite (test/binding/verify-certificate-binding, test/request/
 * read-certificate-header), on top of `kit.ts`: the shared fixture certificate, certificate-bound tokens,
 * and the header formats proxies write.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { LocalIssuer } from '@fapi-guard/testing'
import type { GuardOptions } from '../../src/options/types.js'
import { NOW, TestClock } from './kit.js'

/**
 * `test/fixtures/client-cert.pem` (copied from the project's reference fixtures; the tests need nothing outside the repository).
 * Its `x5t#S256` is `FIXTURE_THUMBPRINT` (standards.md §13.3).
 */
export const FIXTURE_PEM = readFileSync(new URL('../fixtures/client-cert.pem', import.meta.url), 'utf8')
export const FIXTURE_THUMBPRINT = 'zIEsPDi97JnbTIQy8khEc8EJz5GPYOBbwRNuOFodxJU'
/** RFC 8705 §3.1/§3.2 example `x5t#S256`: 32 bytes, but non-canonical base64url (re-encodes as `…dg0`). */
export const RFC8705_EXAMPLE_THUMBPRINT = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'

/** Options of a guard on the local issuer with the frozen clock, plus `extra`. */
export function mtlsOptions(issuer: LocalIssuer, extra: Partial<GuardOptions> = {}): GuardOptions {
  return { issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience, clock: new TestClock().now, ...extra }
}

/** An access token with the given `cnf` (none when `undefined`), issued at the frozen now. */
export function tokenWith(issuer: LocalIssuer, cnf: Record<string, unknown> | undefined, claims: Record<string, unknown> = {}): Promise<string> {
  return issuer.mint({ ...(cnf !== undefined && { cnf }), scope: 'accounts:read', ...claims }, { now: NOW, expiresIn: 600 })
}

/** An access token bound to the certificate with thumbprint `x5tS256`. */
export function certificateBoundToken(issuer: LocalIssuer, x5tS256: string): Promise<string> {
  return tokenWith(issuer, { 'x5t#S256': x5tS256 })
}

/** hex SHA-256 of bytes or text. */
export function hexSHA256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** base64url SHA-256 of bytes or text. */
export function base64urlSHA256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('base64url')
}

/** nginx `$ssl_client_escaped_cert`: the PEM, URL-encoded. */
export function nginxEscaped(pem: string): string {
  return encodeURIComponent(pem)
}

/** nginx's deprecated `$ssl_client_cert`: the PEM with every line but the first prefixed by a tab. */
export function nginxMultiLine(pem: string): string {
  return pem.trimEnd().split('\n').join('\n\t')
}

/** AWS ALB `X-Amzn-Mtls-Clientcert`: the PEM chain, leaf first, URL-encoded with `+`, `=` and `/` left as they are. */
export function albChain(...pems: string[]): string {
  return encodeURIComponent(pems.join('')).replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%2F/g, '/')
}

/** RFC 9440 `Client-Cert`: a structured-field byte sequence of the DER. */
export function rfc9440(der: Uint8Array): string {
  return `:${Buffer.from(der).toString('base64')}:`
}

/** One element of an Envoy `x-forwarded-client-cert` value. */
export function xfccElement(parts: { by?: string; hash?: string; cert?: string; subject?: string; uri?: string }): string {
  const pairs: string[] = []
  if (parts.by !== undefined) pairs.push(`By=${parts.by}`)
  if (parts.hash !== undefined) pairs.push(`Hash=${parts.hash}`)
  if (parts.cert !== undefined) pairs.push(`Cert="${encodeURIComponent(parts.cert)}"`)
  if (parts.subject !== undefined) pairs.push(`Subject="${parts.subject.replace(/["\\]/g, '\\$&')}"`)
  if (parts.uri !== undefined) pairs.push(`URI=${parts.uri}`)
  return pairs.join(';')
}
