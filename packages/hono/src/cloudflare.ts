/**
 * Cloudflare Workers: the client certificate as the platform reports it on `request.cf.tlsClientAuth`
 * (mTLS at Cloudflare's edge). Cloudflare gives the certificate's SHA-256 fingerprint in hex, which is
 * the `x5t#S256` thumbprint (RFC 8705 §3.1) in another spelling: the same 32 bytes.
 */

/** The members of `cf.tlsClientAuth` read here (strings, as Cloudflare sends them). */
interface TLSClientAuth {
  readonly certPresented?: unknown
  readonly certVerified?: unknown
  readonly certRevoked?: unknown
  readonly certFingerprintSHA256?: unknown
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/

/** base64url without padding of the bytes a hex string spells; `btoa` is on every runtime Hono runs on. */
function hexToBase64url(hex: string): string {
  let binary = ''
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * The client certificate's thumbprint (base64url, the `x5t#S256` form) from `request.cf.tlsClientAuth`,
 * only when the client presented a certificate (`certPresented: "1"`), Cloudflare verified it against
 * the zone's mTLS certificate authority (`certVerified: "SUCCESS"`) and it is not revoked; else
 * `undefined` (no certificate). A fingerprint that is not 64 hex digits is handed on as it is, so the
 * core refuses it rather than treat it as no certificate.
 */
export function cloudflareCertificateThumbprint(request: Request): string | undefined {
  const cf = (request as Request & { cf?: unknown }).cf
  if (typeof cf !== 'object' || cf === null) return undefined
  const auth = (cf as { tlsClientAuth?: unknown }).tlsClientAuth
  if (typeof auth !== 'object' || auth === null) return undefined
  const { certPresented, certVerified, certRevoked, certFingerprintSHA256: fingerprint } = auth as TLSClientAuth
  if (certPresented !== '1' || certVerified !== 'SUCCESS' || certRevoked === '1') return undefined
  if (typeof fingerprint !== 'string') return undefined
  return HEX_SHA256.test(fingerprint) ? hexToBase64url(fingerprint) : fingerprint
}

/**
 * The client's address as Cloudflare's edge saw it (`CF-Connecting-IP`, which the edge sets on every
 * request it forwards to a Worker, replacing any the client sent), only on a request that came through
 * the edge (it carries `request.cf`); `undefined` elsewhere, so the header means nothing on other runtimes.
 */
export function cloudflarePeerAddress(request: Request): string | undefined {
  const cf = (request as Request & { cf?: unknown }).cf
  if (typeof cf !== 'object' || cf === null) return undefined
  return request.headers.get('cf-connecting-ip') ?? undefined
}
