import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A self-signed certificate and its key, made at test time. */
export interface TestCertificate {
  /** PEM of the certificate. */
  readonly cert: string
  /** PEM of the private key (PKCS#8). */
  readonly key: string
  /** DER bytes of the certificate. */
  readonly der: Uint8Array
  /** `x5t#S256`: base64url SHA-256 of the DER (RFC 8705 §3.1), the `cnf` of tokens bound to it. */
  readonly thumbprint: string
  /** The same thumbprint under the name `AuthContext.binding.mtls.x5tS256` uses. */
  readonly x5tS256: string
}

/** Options of `createClientCertificate`. */
export interface ClientCertificateOptions {
  /** Subject common name. Default `client`. */
  commonName?: string
}

/**
 * Makes a fresh self-signed P-256 certificate with the `openssl` command (RFC 8705 §6.2: the resource
 * server checks possession, not the chain, so self-signed is what a test needs).
 */
export function createTestCertificate(commonName = 'client'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'fapi-guard-cert-'))
  try {
    const keyPath = join(dir, 'key.pem')
    const certPath = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${commonName}`,
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    const cert = readFileSync(certPath, 'utf8')
    const der = new Uint8Array(new X509Certificate(cert).raw)
    const thumbprint = createHash('sha256').update(der).digest('base64url')
    return { cert, key: readFileSync(keyPath, 'utf8'), der, thumbprint, x5tS256: thumbprint }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A fresh self-signed client certificate (P-256) with its PEM certificate (`cert`), PEM key (`key`)
 * and `x5t#S256` thumbprint (`thumbprint`, also `x5tS256`): present it in the TLS handshake (`cert`,
 * `key` of `https.request`), or bind a token to it with `mintAccessToken(claims, { certificate })`.
 * Needs the `openssl` command.
 */
export function createClientCertificate(options: ClientCertificateOptions = {}): TestCertificate {
  return createTestCertificate(options.commonName ?? 'client')
}
