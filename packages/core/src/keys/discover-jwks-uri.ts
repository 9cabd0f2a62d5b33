import { isSecureOrLoopback, parseURL } from '../lib/url.js'
import { fetchJSONObject, KeySourceError } from './fetch-json.js'

/**
 * Metadata URLs to try for an issuer, in order: RFC 8414 §3.1 (`/.well-known/oauth-authorization-server`
 * inserted before the path), then OpenID Connect Discovery 1.0 §4 (`/.well-known/openid-configuration` appended).
 */
export function metadataURLs(issuer: string): URL[] {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return [
    new URL(`${url.origin}/.well-known/oauth-authorization-server${path}`),
    new URL(`${url.origin}${path}/.well-known/openid-configuration`),
  ]
}

/**
 * Finds the issuer's `jwks_uri` from its metadata. The document's `issuer` must equal the configured
 * one exactly (RFC 8414 §3.3), and `jwks_uri` must be https (plain http only on loopback hosts).
 */
export async function discoverJWKSURI(issuer: string, fetchImpl: typeof fetch, timeoutMs: number): Promise<URL> {
  const failures: string[] = []
  for (const url of metadataURLs(issuer)) {
    let metadata: Record<string, unknown>
    try {
      metadata = await fetchJSONObject(url, fetchImpl, timeoutMs)
    } catch (error) {
      failures.push((error as Error).message)
      continue
    }
    if (metadata.issuer !== issuer) {
      throw new KeySourceError(`metadata at ${url.href} names another issuer than "${issuer}"`)
    }
    const jwksUri = typeof metadata.jwks_uri === 'string' ? parseURL(metadata.jwks_uri) : undefined
    if (jwksUri === undefined) throw new KeySourceError(`metadata at ${url.href} has no valid "jwks_uri"`)
    if (!isSecureOrLoopback(jwksUri)) throw new KeySourceError(`metadata at ${url.href} has a "jwks_uri" that is not https`)
    return jwksUri
  }
  throw new KeySourceError(`discovery for "${issuer}" failed: ${failures.join('; ')}`)
}
