import { generateProof, type KeyPair } from 'dpop'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { AS_CERTIFICATE_HEADER } from './authorization-server.js'

/**
 * The scripted client: gets tokens from the authorization server by `client_credentials` and calls
 * the API. DPoP proofs come from the `dpop` package (an implementation fapi-guard did not write), so
 * the guard is checked against a third party's proofs, not only its own test kit's.
 */

/** What the token endpoint answered (RFC 6749 §5.1). */
export interface TokenResponse {
  readonly access_token: string
  readonly token_type: string
  readonly expires_in: number
  readonly scope?: string
}

/** A token request. */
export interface TokenRequest {
  readonly tokenEndpoint: string
  /** `client_secret_basic` credentials, or just the id for a client that authenticates with its certificate. */
  readonly client: { readonly clientId: string; readonly clientSecret?: string }
  readonly scope: string
  /** Resource indicator (RFC 8707): the API the token is for. */
  readonly resource?: string
  /** Makes the token DPoP-bound to this key: every request to the token endpoint carries a proof. */
  readonly dpopKey?: KeyPair
  /**
   * The client's certificate (PEM), as the authorization server's TLS-terminating proxy would report
   * it: the token is bound to it, and a client without a secret authenticates with it.
   */
  readonly certificate?: string
}

/** A token and how it was got. */
export interface IssuedToken extends TokenResponse {
  /** How many times the authorization server asked for a DPoP nonce first (`use_dpop_nonce`). */
  readonly nonceChallenges: number
}

/** Raised when the token endpoint refuses. */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`token request refused: ${status} ${body}`)
    this.name = 'TokenRequestError'
  }
}

function basic(clientId: string, clientSecret: string): string {
  // RFC 6749 §2.3.1: each part form-encoded before base64.
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`
}

/**
 * `client_credentials` at the token endpoint. With a DPoP key, a proof goes with the request; when
 * the authorization server answers `use_dpop_nonce` with a `DPoP-Nonce` (RFC 9449 §8), the request is
 * repeated once with a new proof that carries the nonce.
 */
export async function requestToken(request: TokenRequest): Promise<IssuedToken> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: request.scope })
  if (request.resource !== undefined) body.set('resource', request.resource)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  if (request.client.clientSecret !== undefined) headers.authorization = basic(request.client.clientId, request.client.clientSecret)
  else body.set('client_id', request.client.clientId)
  if (request.certificate !== undefined) headers[AS_CERTIFICATE_HEADER] = encodeURIComponent(request.certificate)

  let nonce: string | undefined
  for (let attempt = 0; ; attempt += 1) {
    if (request.dpopKey !== undefined) headers.dpop = await generateProof(request.dpopKey, request.tokenEndpoint, 'POST', nonce)
    const response = await fetch(request.tokenEndpoint, { method: 'POST', headers, body: body.toString() })
    const text = await response.text()
    if (response.ok) return { ...(JSON.parse(text) as TokenResponse), nonceChallenges: attempt }
    const challenge = response.headers.get('dpop-nonce')
    let error: unknown
    try {
      error = (JSON.parse(text) as { error?: unknown }).error
    } catch {
      error = undefined
    }
    if (attempt === 0 && request.dpopKey !== undefined && error === 'use_dpop_nonce' && challenge !== null) {
      nonce = challenge
      continue
    }
    throw new TokenRequestError(response.status, text)
  }
}

/** Revokes a token at the authorization server (RFC 7009), as the client it was issued to. */
export async function revokeToken(revocationEndpoint: string, client: { clientId: string; clientSecret: string }, token: string): Promise<void> {
  const response = await fetch(revocationEndpoint, {
    method: 'POST',
    headers: { authorization: basic(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
  })
  if (!response.ok) throw new TokenRequestError(response.status, await response.text())
}

/** A DPoP proof for a request to the API (`ath` binds it to the token), by the `dpop` package. */
export function proofFor(key: KeyPair, method: string, url: string, accessToken: string, nonce?: string): Promise<string> {
  const htu = new URL(url)
  htu.search = ''
  htu.hash = ''
  return generateProof(key, htu.href, method, nonce, accessToken)
}

/** A request to the API. */
export interface APIRequest {
  readonly url: string
  readonly method?: string
  readonly headers?: Record<string, string>
  /** For `https:` URLs: the CA to trust (the API's own certificate). */
  readonly ca?: string
  /** For `https:` URLs: the client certificate and key presented in the TLS handshake. */
  readonly certificate?: { readonly cert: string; readonly key: string }
}

/** What the API answered. */
export interface APIResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** One request over HTTP, or HTTPS with an optional client certificate; a fresh connection each time. */
export function callAPI(request: APIRequest): Promise<APIResponse> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    }
    const common = { method: request.method ?? 'GET', headers: request.headers ?? {}, agent: false as const }
    const req = request.url.startsWith('https:')
      ? httpsRequest(
          request.url,
          {
            ...common,
            ...(request.ca !== undefined && { ca: request.ca }),
            ...(request.certificate !== undefined && { cert: request.certificate.cert, key: request.certificate.key }),
          },
          onResponse,
        )
      : httpRequest(request.url, common, onResponse)
    req.on('error', reject)
    req.end()
  })
}
