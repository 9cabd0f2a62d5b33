import { createDPoPProof, type AccessTokenClaims, type DPoPKey, type MintAccessTokenOptions, type TestCertificate } from '@fapi-guard/testing'
import type { Fixtures } from './fixtures.js'
import { ROUTES } from './routes.js'
import type { Answer, ContractRequest } from './target.js'

/** What a case's builder gets: the fixtures, the URL the server sees on this adapter, and a way to send. */
export interface CaseContext {
  readonly fixtures: Fixtures
  /** The absolute URL of `path` on this adapter's app (what a client talking to it directly addresses). */
  url(path: string): string
  send(request: ContractRequest): Promise<Answer>
}

export const now = (): number => Math.floor(Date.now() / 1000)

type Headers = Readonly<Record<string, string | readonly string[]>>

/** How a DPoP request deviates from a valid one. */
export interface DPoPRequestOptions {
  /** Route path (and query). Default `/resource`. */
  readonly path?: string
  /** Claims of the minted token (`undefined` removes a default one). */
  readonly claims?: AccessTokenClaims
  /** Minting options (`now`, `expiresIn`, …); the token is bound to the client's DPoP key. */
  readonly mint?: MintAccessTokenOptions
  /** A token to use instead of minting one. */
  readonly token?: string
  /** Proof deviations: another key, method, URL (`htu`), token (`ath`), nonce, `iat`. */
  readonly proof?: {
    readonly key?: DPoPKey
    readonly method?: string
    readonly url?: string
    readonly accessToken?: string
    readonly nonce?: string
    readonly iat?: number
  }
  /** The `Authorization` scheme. Default `DPoP`. */
  readonly scheme?: string
  readonly headers?: Headers
  readonly certificate?: TestCertificate
}

/** A request with a DPoP-bound token (RFC 9449) and its proof, valid unless told otherwise. */
export async function dpopRequest(ctx: CaseContext, options: DPoPRequestOptions = {}): Promise<ContractRequest> {
  const { fixtures } = ctx
  const path = options.path ?? ROUTES.resource.path
  const token = options.token ?? (await fixtures.issuer.mintAccessToken(options.claims ?? {}, { dpopKey: fixtures.dpopKey, ...options.mint }))
  const proof = await createDPoPProof(options.proof?.key ?? fixtures.dpopKey, {
    method: options.proof?.method ?? 'GET',
    url: options.proof?.url ?? ctx.url(path),
    accessToken: options.proof?.accessToken ?? token,
    ...(options.proof?.nonce !== undefined && { nonce: options.proof.nonce }),
    ...(options.proof?.iat !== undefined && { iat: options.proof.iat }),
  })
  return {
    path,
    headers: { authorization: `${options.scheme ?? 'DPoP'} ${token}`, dpop: proof, ...options.headers },
    ...(options.certificate !== undefined && { certificate: options.certificate }),
  }
}

/** How a certificate-bound request deviates from a valid one. */
export interface CertificateRequestOptions {
  readonly path?: string
  readonly claims?: AccessTokenClaims
  /** The certificate presented in the TLS handshake; `null` for none. Default: the one the token is bound to. */
  readonly present?: TestCertificate | null
  readonly headers?: Headers
}

/** A request with a certificate-bound token (RFC 8705, `Bearer` scheme), over a TLS connection presenting a certificate. */
export async function certificateRequest(ctx: CaseContext, options: CertificateRequestOptions = {}): Promise<ContractRequest> {
  const { fixtures } = ctx
  const token = await fixtures.issuer.mintAccessToken(options.claims ?? {}, { certificate: fixtures.clientCertificate })
  const present = options.present === undefined ? fixtures.clientCertificate : options.present
  return {
    path: options.path ?? ROUTES.resource.path,
    headers: { authorization: `Bearer ${token}`, ...options.headers },
    ...(present !== null && { certificate: present }),
  }
}

/** RFC 9440 `Client-Cert`: the DER of the certificate as a structured-field byte sequence. */
export function clientCertHeader(certificate: TestCertificate): string {
  return `:${Buffer.from(certificate.der).toString('base64')}:`
}

/** The forwarded headers a TLS-terminating proxy in front of the app adds for a client of `PUBLIC_ORIGIN`. */
export function forwardedTo(publicOrigin: string): Record<string, string> {
  const url = new URL(publicOrigin)
  return { 'x-forwarded-proto': url.protocol.slice(0, -1), 'x-forwarded-host': url.host }
}
