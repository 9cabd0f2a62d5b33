import { createDPoPKey, createDPoPProof, createTestCertificate } from '@fapi-guard/testing'
import { check, type Check, type ScenarioIssuer, type Target } from './scenario.js'

/** The public URL a trusted proxy in front of the API says the client addressed. */
const PUBLIC_ORIGIN = 'https://public.example.test'

/**
 * The peer address the runtime gave the adapter: with `proxy: { trusted: ['loopback'] }`, a request
 * from loopback whose `X-Forwarded-Proto`/`-Host` name the public URL, with a proof for that URL → 200.
 * Had the adapter no peer address, the forwarded headers would be ignored and the proof refused.
 */
export async function runPeerAddressCheck({ issuer }: ScenarioIssuer, target: Target, forwardedFor?: string): Promise<Check> {
  const key = await createDPoPKey()
  const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
  const proof = await createDPoPProof({ key, method: 'GET', url: `${PUBLIC_ORIGIN}/accounts`, accessToken: token })
  const headers: Record<string, string> = { authorization: `DPoP ${token}`, dpop: proof, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.test' }
  if (forwardedFor !== undefined) headers['cf-connecting-ip'] = forwardedFor
  return check(target, 'from a trusted proxy (the peer address the runtime gives): the forwarded public URL → 200', `${target.origin}/accounts`, { headers }, { status: 200 })
}

/** Cloudflare's hex spelling of a base64url SHA-256 thumbprint. */
function hex(thumbprint: string): string {
  return Buffer.from(thumbprint, 'base64url').toString('hex')
}

/**
 * Certificate-bound tokens on Cloudflare Workers: the certificate's fingerprint as the edge reports it
 * in `request.cf.tlsClientAuth` (given to workerd by Miniflare's `dispatchFetch`, as the edge gives it).
 */
export async function runCloudflareCertificateChecks({ issuer }: ScenarioIssuer, target: Target): Promise<Check[]> {
  const client = createTestCertificate('client')
  const other = createTestCertificate('another-client')
  const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { 'x5t#S256': client.thumbprint } })
  const url = `${target.origin}/accounts`
  const headers = { authorization: `Bearer ${token}` }
  const tls = (fingerprint: string, certVerified = 'SUCCESS') => ({ tlsClientAuth: { certPresented: '1', certVerified, certRevoked: '0', certFingerprintSHA256: fingerprint } })
  const invalidToken = { status: 401, error: 'invalid_token', challenge: /error="invalid_token"/ }
  return [
    await check(target, 'certificate-bound token, the bound certificate (cf.tlsClientAuth fingerprint) → 200', url, { headers, cf: tls(hex(client.thumbprint)) }, { status: 200 }),
    await check(target, 'certificate-bound token, another certificate → 401', url, { headers, cf: tls(hex(other.thumbprint)) }, invalidToken),
    await check(target, 'certificate-bound token, a certificate the edge did not verify → 401', url, { headers, cf: tls(hex(client.thumbprint), 'FAILED:self signed certificate') }, invalidToken),
  ]
}
