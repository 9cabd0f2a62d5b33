/**
 * A real FAPI authorization server for tests: oidc-provider configured for the FAPI 2.0 Security
 * Profile and FAPI 1.0 Advanced, on loopback over HTTPS, with clients that run the authorization
 * code flow through openid-client and a consent step that grants automatically.
 */
import { X509Certificate, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC, Provider } from 'oidc-provider'
import type { CustomFetchOptions } from 'openid-client'
import { createTestCertificate, type TestCertificate } from './certificates.js'
import type { DPoPKey } from './dpop-proof.js'
import { createNodeFetch } from './node-fetch.js'

/** Default `aud` of the access tokens: the API's resource indicator (RFC 8707). */
const DEFAULT_AUDIENCE = 'https://api.example.test'
/** Default scopes the API knows. */
const DEFAULT_SCOPES = ['accounts:read', 'payments:write', 'profile'] as const
/** Default user who signs in and consents. */
const DEFAULT_ACCOUNT = 'alice'
/** Default seconds an access token lives. */
const DEFAULT_ACCESS_TOKEN_TTL = 300
/** Where the client's authorization responses go; the user agent stops there, nothing listens. */
const REDIRECT_URI = 'https://client.example.test/callback'
/** Redirects the scripted user agent follows before it gives up. */
const MAX_REDIRECTS = 10

/** The FAPI profile a client follows (the guard's `profile` names). */
export type FapiProfile = 'fapi2' | 'fapi1-advanced'

/** Options of `createFapiAuthorizationServer`. */
export interface FapiAuthorizationServerOptions {
  /** The API's resource indicator, the access tokens' `aud`. Default `https://api.example.test`. */
  readonly audience?: string
  /** Scopes of the API a client may ask for. Default `accounts:read payments:write profile`. */
  readonly scopes?: readonly string[]
  /** Access-token signature algorithm (FAPI allows PS256, ES256, EdDSA). Default `ES256`. */
  readonly accessTokenAlgorithm?: 'ES256' | 'PS256' | 'EdDSA'
  /** Seconds access tokens live. Default 300. */
  readonly accessTokenTTL?: number
  /** The user who signs in and consents (the tokens' `sub`). Default `alice`. */
  readonly accountId?: string
  /**
   * RFC 9396 authorization details types the server accepts (`features.richAuthorizationRequests`):
   * the details a client asks for are granted at consent as asked, and go into the JWT access token
   * (`authorization_details` claim) and the introspection answer. Default: none (RAR off).
   */
  readonly authorizationDetailsTypes?: readonly string[]
}

/** Options of `registerClient`. */
export interface FapiClientOptions {
  /** `fapi2` (default): FAPI 2.0 Security Profile. `fapi1-advanced`: FAPI 1.0 Advanced (JAR, JARM, certificate-bound tokens). */
  readonly profile?: FapiProfile
  /** How its tokens are bound: `dpop` (RFC 9449, FAPI 2.0 only; default there) or `mtls` (RFC 8705; default and only choice under FAPI 1.0). */
  readonly binding?: 'dpop' | 'mtls'
  /** Client authentication at the AS: `private_key_jwt` (default; RFC 7523) or `tls_client_auth` (RFC 8705 §2.1). */
  readonly authentication?: 'private_key_jwt' | 'tls_client_auth'
  /**
   * FAPI 1.0 only: the signed request object (JAR, RFC 9101) is `pushed` by PAR (default) or sent
   * `by-value` in the authorization URL. FAPI 2.0 clients always push plain parameters by PAR.
   */
  readonly requestObject?: 'pushed' | 'by-value'
  /** Default: made from the profile and options, numbered. */
  readonly clientId?: string
}

/** A stage of the authorization code flow, reported as it happens. */
export interface FapiFlowStage {
  readonly stage: 'par' | 'authorization' | 'consent' | 'response' | 'token'
  /** One line on what happened, without secrets (tokens and codes shortened). */
  readonly detail: string
}

/** Options of `client.authorize`. */
export interface FapiAuthorizeOptions {
  /** Space-separated scopes to ask for. Default `accounts:read`. */
  readonly scope?: string
  /**
   * Space-separated `acr` values to ask for (`acr_values`, for a resource's RFC 9470 step-up): the
   * scripted user signs in at the first one, and the access token's `acr` says so. Default: none
   * asked, and the token carries no `acr`. Every access token carries `auth_time`. Needs `openid` in
   * `scope`: `acr_values` is an OpenID Connect parameter.
   */
  readonly acrValues?: string
  /** Called at each stage of the flow, as it happens. */
  readonly onStage?: (stage: FapiFlowStage) => void
  /** RFC 9396 `authorization_details` to ask for (pushed with the other parameters); needs `authorizationDetailsTypes`. */
  readonly authorizationDetails?: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/** A sender-constrained access token and what it is bound to. */
export interface FapiTokens {
  readonly accessToken: string
  /** `DPoP` or `Bearer` (certificate-bound tokens are sent with the `Bearer` scheme). */
  readonly tokenType: string
  readonly scope: string
  readonly expiresIn: number | undefined
  /** The token's confirmation claim: `{ jkt }` or `{ "x5t#S256" }`. */
  readonly cnf: { readonly jkt?: string; readonly 'x5t#S256'?: string }
  /** The key the token is bound to (DPoP clients); make proofs with `createDPoPProof`. */
  readonly dpopKey?: FapiDPoPKey
  /** The client's certificate (present it with certificate-bound tokens). */
  readonly certificate: TestCertificate
  /** The `authorization_details` of the token response (RFC 9396 §7), when asked for. */
  readonly authorizationDetails?: unknown
}

/** A DPoP key pair usable with `createDPoPProof` and with Web Crypto key-pair APIs (the `dpop` package). */
export interface FapiDPoPKey extends DPoPKey {
  readonly publicKey: CryptoKey
}

/** A client registered at the FAPI authorization server. */
export interface FapiClient {
  readonly clientId: string
  readonly profile: FapiProfile
  readonly binding: 'dpop' | 'mtls'
  readonly authentication: 'private_key_jwt' | 'tls_client_auth'
  /** Its TLS client certificate (subject `CN=<clientId>`). */
  readonly certificate: TestCertificate
  /** Runs the authorization code flow (PAR / JAR / JARM as the profile wants, consent granted automatically) and returns the bound token. */
  authorize(options?: FapiAuthorizeOptions): Promise<FapiTokens>
}

/** A running FAPI authorization server. */
export interface FapiAuthorizationServer {
  /** `https://127.0.0.1:<port>`: the issuer identifier; metadata at `/.well-known/openid-configuration`. */
  readonly issuer: string
  /** The access tokens' `aud`. */
  readonly audience: string
  /** PEM of the server's self-signed TLS certificate: trust it to reach the issuer. */
  readonly ca: string
  /** A `fetch` that trusts `ca`: give it to the guard (`fetch` option) so it can discover the issuer's keys. */
  readonly fetch: typeof fetch
  /** Registers a client (private key, certificate, metadata) and returns it. */
  registerClient(options?: FapiClientOptions): Promise<FapiClient>
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/** oidc-provider prints what a production deployment must change, on import and on first use; for a test server that is noise. */
const NOTICE = /^oidc-provider (NOTICE|WARNING): /

async function quietly<T>(action: () => Promise<T>): Promise<T> {
  const { info, warn } = console
  const keep =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (typeof args[0] === 'string' && NOTICE.test(args[0].replace(/\x1b\[[0-9;]*m/g, ''))) return
      write(...args)
    }
  console.info = keep(info)
  console.warn = keep(warn)
  try {
    return await action()
  } finally {
    console.info = info
    console.warn = warn
  }
}

function missing(name: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return new Error(`createFapiAuthorizationServer needs the "${name}" package: npm install --save-dev ${name}`, { cause: error })
  }
  return error instanceof Error ? error : new Error(String(error))
}

async function loadProvider(): Promise<typeof import('oidc-provider')> {
  try {
    return await quietly(() => import('oidc-provider'))
  } catch (error) {
    throw missing('oidc-provider', error)
  }
}

async function loadClient(): Promise<typeof import('openid-client')> {
  try {
    return await import('openid-client')
  } catch (error) {
    throw missing('openid-client', error)
  }
}

/** Shortens a secret or token for display: its first characters only. */
function short(value: string, keep = 10): string {
  return value.length <= keep ? value : `${value.slice(0, keep)}…`
}

/** oidc-provider's storage (clients, grants, codes, tokens) in memory; `Client` records are how clients get registered. */
function memoryAdapter(): { factory: (name: string) => Adapter; put(name: string, id: string, payload: AdapterPayload): void } {
  const records = new Map<string, { payload: AdapterPayload; expiresAt: number }>()
  const live = (key: string) => {
    const record = records.get(key)
    if (record === undefined) return undefined
    if (record.expiresAt <= Date.now()) {
      records.delete(key)
      return undefined
    }
    return record.payload
  }
  const put = (name: string, id: string, payload: AdapterPayload, expiresIn?: number) => {
    records.set(`${name}:${id}`, { payload, expiresAt: expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000 })
  }
  const factory = (name: string): Adapter => {
    const findBy = (member: 'userCode' | 'uid', value: string) => {
      for (const [id, record] of records) if (id.startsWith(`${name}:`) && record.payload[member] === value) return live(id)
      return undefined
    }
    return {
      async upsert(id, payload, expiresIn) {
        put(name, id, payload, expiresIn)
      },
      async find(id) {
        return live(`${name}:${id}`)
      },
      async findByUserCode(userCode) {
        return findBy('userCode', userCode)
      },
      async findByUid(uid) {
        return findBy('uid', uid)
      },
      async consume(id) {
        const payload = live(`${name}:${id}`)
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) {
        records.delete(`${name}:${id}`)
      },
      async revokeByGrantId(grantId) {
        for (const [id, record] of records) if (record.payload.grantId === grantId) records.delete(id)
      },
    }
  }
  return { factory, put: (name, id, payload) => put(name, id, payload) }
}

/** The client certificate of the TLS connection the request came on (the AS terminates TLS itself). */
function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.req.socket as TLSSocket
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate(false) : undefined
  return peer?.raw === undefined ? undefined : new X509Certificate(peer.raw)
}

/** `CN=a, O=b` and the `CN=a\nO=b` of `X509Certificate.subject` compare equal. */
function normalizeDN(dn: string): string {
  return dn
    .split(/\s*[,\n]\s*/)
    .filter((part) => part !== '')
    .join(',')
}

async function signingKey(alg: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })
  return { ...(await exportJWK(privateKey)), kid: `fapi-as-${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`, alg, use: 'sig' }
}

/** What the consent step granted, per interaction. */
interface Consent {
  readonly accountId: string
  readonly scopes: string[]
}

/**
 * Starts oidc-provider (OpenID-certified for FAPI 2.0 and FAPI 1.0 Advanced) on `127.0.0.1` over
 * HTTPS with a fresh self-signed certificate, configured as a FAPI authorization server for one API:
 *
 * - FAPI 2.0 clients: PAR required, PKCE S256, `private_key_jwt` (audience = issuer) or
 *   `tls_client_auth`, DPoP-bound (`dpop_jkt` from PAR on) or certificate-bound access tokens.
 * - FAPI 1.0 Advanced clients: signed request objects required (JAR, by value or pushed by PAR),
 *   JARM (`response_mode=jwt`), certificate-bound access tokens.
 * - Access tokens are JWTs (RFC 9068) for the resource indicator `audience` (RFC 8707).
 * - The user `accountId` signs in and consents without a browser: the interaction route grants what
 *   the client asked for.
 *
 * `tls_client_auth` trusts the certificates of registered clients (each is its own CA) and matches
 * `tls_client_auth_subject_dn`. Needs the `oidc-provider` and `openid-client` packages (optional
 * peer dependencies) and the `openssl` command. Not a production configuration: keys, sessions and
 * grants live in memory.
 */
export async function createFapiAuthorizationServer(options: FapiAuthorizationServerOptions = {}): Promise<FapiAuthorizationServer> {
  const audience = options.audience ?? DEFAULT_AUDIENCE
  const scopes = options.scopes ?? DEFAULT_SCOPES
  const accountId = options.accountId ?? DEFAULT_ACCOUNT
  const accessTokenTTL = options.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_TTL
  const accessTokenAlgorithm = options.accessTokenAlgorithm ?? 'ES256'
  const [{ default: OIDCProvider, errors }, client] = await Promise.all([loadProvider(), loadClient()])

  const tls = createTestCertificate('localhost')
  const trusted: string[] = []
  const consents = new Map<string, Consent>()
  const profiles = new Map<string, FapiProfile>()
  let provider: Provider | undefined
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined

  const server: Server = createServer({ key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    if (provider === undefined || handler === undefined) {
      res.writeHead(503).end()
      return
    }
    if (req.method === 'GET' && req.url?.startsWith('/interaction/') === true) {
      interact(provider, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(error instanceof Error ? error.message : 'interaction failed')
      })
      return
    }
    handler(req, res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((error) => (error ? reject(error) : resolve()))
    })

  /** The consent screen, automated: sign `accountId` in, then grant every scope the client asked for. */
  async function interact(oidc: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await oidc.interactionDetails(req, res)
    const { prompt, params, uid } = details
    if (prompt.name === 'login') {
      // The user authenticates at the level the client asked for (a step-up), else at none named.
      const [acr] = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : []
      await oidc.interactionFinished(req, res, { login: { accountId, ...(acr !== undefined && acr !== '' && { acr }) } }, { mergeWithLastSubmission: false })
      return
    }
    const grant =
      details.grantId === undefined
        ? new oidc.Grant({ accountId, clientId: String(params.client_id) })
        : ((await oidc.Grant.find(details.grantId)) ?? new oidc.Grant({ accountId, clientId: String(params.client_id) }))
    const wanted = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]>; rar?: Array<{ type: string }> }
    const granted: string[] = []
    if (wanted.missingOIDCScope !== undefined) {
      grant.addOIDCScope(wanted.missingOIDCScope.join(' '))
      granted.push(...wanted.missingOIDCScope)
    }
    if (wanted.missingOIDCClaims !== undefined) grant.addOIDCClaims(wanted.missingOIDCClaims)
    for (const [indicator, resourceScopes] of Object.entries(wanted.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, resourceScopes.join(' '))
      granted.push(...resourceScopes)
    }
    for (const detail of wanted.rar ?? []) {
      grant.addRar(detail)
      granted.push(`authorization_details ${detail.type}`)
    }
    const grantId = await grant.save()
    consents.set(uid, { accountId, scopes: granted })
    await oidc.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
  }

  const adapter = memoryAdapter()
  const signingKeys = accessTokenAlgorithm === 'ES256' ? [await signingKey('ES256')] : [await signingKey('ES256'), await signingKey(accessTokenAlgorithm)]
  const configuration: Configuration = {
    adapter: adapter.factory,
    jwks: { keys: signingKeys },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    // The one user, known without a database; and lifetimes chosen rather than left to defaults.
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    ttl: { AccessToken: accessTokenTTL, AuthorizationCode: 60, PushedAuthorizationRequest: 60, Interaction: 600, Session: 3600, Grant: 3600, IdToken: 3600 },
    clientAuthMethods: ['private_key_jwt', 'tls_client_auth'],
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
      authorization_signed_response_alg: 'ES256',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
      requestObjectSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
      authorizationSigningAlgValues: ['ES256', 'PS256'],
      idTokenSigningAlgValues: ['ES256', 'PS256'],
      dPoPSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
    },
    responseTypes: ['code'],
    // RFC 9068 §2.2.1: the authentication behind the token, for resources that demand a step-up (RFC 9470).
    extraTokenClaims: (ctx, token) => {
      const code = ctx.oidc.entities.AuthorizationCode
      if (token.kind !== 'AccessToken' || code === undefined) return undefined
      return { ...(code.authTime !== undefined && { auth_time: code.authTime }), ...(code.acr !== undefined && { acr: code.acr }) }
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      fapi: { enabled: true, profile: (_ctx, fapiClient) => (fapiClient === undefined ? undefined : profiles.get(fapiClient.clientId) === 'fapi1-advanced' ? '1.0 Final' : '2.0') },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      requestObjects: { enabled: true },
      jwtResponseModes: { enabled: true },
      dPoP: { enabled: true, nonceSecret: randomBytes(32) },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        getCertificate: peerCertificate,
        certificateAuthorized: (ctx) => (ctx.req.socket as TLSSocket).authorized === true,
        certificateSubjectMatches: (ctx, property, expected) => {
          const certificate = peerCertificate(ctx)
          return property === 'tls_client_auth_subject_dn' && certificate !== undefined && normalizeDN(certificate.subject) === normalizeDN(expected)
        },
      },
      richAuthorizationRequests: {
        enabled: (options.authorizationDetailsTypes ?? []).length > 0,
        // Each type accepted as asked (oidc-provider has checked the RFC 9396 common members already).
        types: Object.fromEntries((options.authorizationDetailsTypes ?? []).map((type) => [type, { validate: () => undefined }])),
        // Policy: what consent granted goes into the code, the access token and the introspection answer.
        authorizationDetailsForGrantSource: (ctx) => ctx.oidc.grant?.rar,
        authorizationDetailsForAccessToken: (_ctx, _token, source) => source?.rar,
        authorizationDetailsForIntrospection: (_ctx, token) => token.rar,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== audience) throw new errors.InvalidTarget()
          return { audience, scope: scopes.join(' '), accessTokenTTL, accessTokenFormat: 'jwt', jwt: { sign: { alg: accessTokenAlgorithm } } }
        },
      },
    },
  }
  try {
    provider = await quietly(async () => new OIDCProvider(issuer, configuration))
  } catch (error) {
    await close()
    throw error
  }
  handler = provider.callback()
  const oidc = provider
  const asFetch = createNodeFetch({ ca: tls.cert })
  let count = 0

  async function registerClient(clientOptions: FapiClientOptions = {}): Promise<FapiClient> {
    const profile = clientOptions.profile ?? 'fapi2'
    if (profile !== 'fapi2' && profile !== 'fapi1-advanced') throw new TypeError('registerClient: "profile" must be "fapi2" or "fapi1-advanced"')
    const binding = clientOptions.binding ?? (profile === 'fapi2' ? 'dpop' : 'mtls')
    if (binding !== 'dpop' && binding !== 'mtls') throw new TypeError('registerClient: "binding" must be "dpop" or "mtls"')
    if (profile === 'fapi1-advanced' && binding === 'dpop') throw new TypeError('registerClient: FAPI 1.0 Advanced binds tokens to the certificate ("mtls"), not DPoP')
    const authentication = clientOptions.authentication ?? 'private_key_jwt'
    if (authentication !== 'private_key_jwt' && authentication !== 'tls_client_auth') throw new TypeError('registerClient: "authentication" must be "private_key_jwt" or "tls_client_auth"')
    const requestObject = clientOptions.requestObject ?? 'pushed'
    if (profile === 'fapi2' && clientOptions.requestObject !== undefined) throw new TypeError('registerClient: "requestObject" is a FAPI 1.0 Advanced option')
    count += 1
    const clientId = clientOptions.clientId ?? `${profile}-${binding}-${authentication.replace(/_/g, '-')}-${count}`
    if (profiles.has(clientId)) throw new TypeError(`registerClient: client "${clientId}" is already registered`)

    const certificate = createTestCertificate(clientId)
    trusted.push(certificate.cert)
    server.setSecureContext({ key: tls.key, cert: tls.cert, ca: trusted })
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const publicJwk = { ...(await exportJWK(publicKey)), kid: `${clientId}-key`, alg: 'ES256', use: 'sig' }
    const metadata: AdapterPayload = {
      client_id: clientId,
      redirect_uris: [REDIRECT_URI],
      jwks: { keys: [publicJwk] },
      token_endpoint_auth_method: authentication,
      ...(authentication === 'private_key_jwt' ? { token_endpoint_auth_signing_alg: 'ES256' } : { tls_client_auth_subject_dn: `CN=${clientId}` }),
      ...(binding === 'dpop' ? { dpop_bound_access_tokens: true } : { tls_client_certificate_bound_access_tokens: true }),
      ...((options.authorizationDetailsTypes ?? []).length > 0 && { authorization_details_types: [...(options.authorizationDetailsTypes ?? [])] }),
      ...(profile === 'fapi2'
        ? { require_pushed_authorization_requests: true }
        : {
            require_signed_request_object: true,
            request_object_signing_alg: 'ES256',
            authorization_signed_response_alg: 'ES256',
            require_pushed_authorization_requests: requestObject === 'pushed',
          }),
    }
    profiles.set(clientId, profile)
    adapter.put('Client', clientId, metadata)
    try {
      await oidc.Client.find(clientId) // validates the metadata now rather than at the first request
    } catch (error) {
      profiles.delete(clientId)
      throw error
    }

    const clientFetch = createNodeFetch({ ca: tls.cert, cert: certificate.cert, key: certificate.key })
    const config = await client.discovery(
      new URL(issuer),
      clientId,
      { redirect_uris: [REDIRECT_URI], ...(binding === 'mtls' && { tls_client_certificate_bound_access_tokens: true }) },
      authentication === 'private_key_jwt' ? client.PrivateKeyJwt({ key: privateKey, kid: publicJwk.kid }) : client.TlsClientAuth(),
      { [client.customFetch]: (url: string, init: CustomFetchOptions) => clientFetch(url, init as RequestInit) },
    )
    if (profile === 'fapi1-advanced') client.useJwtResponseMode(config)

    async function authorize(authorizeOptions: FapiAuthorizeOptions = {}): Promise<FapiTokens> {
      const report = authorizeOptions.onStage ?? (() => undefined)
      const scope = authorizeOptions.scope ?? 'accounts:read'
      if (authorizeOptions.acrValues !== undefined && !scope.split(' ').includes('openid')) {
        throw new TypeError('authorize: "acrValues" needs "openid" in "scope" (acr_values is an OpenID Connect parameter)')
      }
      const dpopPair = binding === 'dpop' ? await generateKeyPair('ES256') : undefined
      const dpop = dpopPair === undefined ? undefined : client.getDPoPHandle(config, dpopPair)
      const verifier = client.randomPKCECodeVerifier()
      const state = profile === 'fapi1-advanced' ? client.randomState() : undefined
      const parameters: Record<string, string> = {
        redirect_uri: REDIRECT_URI,
        scope,
        resource: audience,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...(authorizeOptions.acrValues !== undefined && { acr_values: authorizeOptions.acrValues }),
        ...(state !== undefined && { state }),
        ...(authorizeOptions.authorizationDetails !== undefined && { authorization_details: JSON.stringify(authorizeOptions.authorizationDetails) }),
      }

      let authorizationUrl: URL
      if (profile === 'fapi2') {
        authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, parameters, dpop === undefined ? undefined : { DPoP: dpop })
        report({
          stage: 'par',
          detail: `pushed scope="${scope}", resource, PKCE S256${dpop === undefined ? '' : ', DPoP proof (dpop_jkt)'}, ${authentication} → request_uri ${short(authorizationUrl.searchParams.get('request_uri') ?? '', 40)}`,
        })
      } else {
        const signed = await client.buildAuthorizationUrlWithJAR(config, parameters, { key: privateKey, kid: publicJwk.kid })
        const requestObjectJwt = signed.searchParams.get('request') ?? ''
        const header = decodeProtectedHeader(requestObjectJwt)
        const described = `request object signed ${header.alg ?? '?'} (JAR: aud, exp, nbf, PKCE S256, response_mode=jwt, resource)`
        if (requestObject === 'pushed') {
          authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, signed.searchParams)
          report({ stage: 'par', detail: `pushed the ${described}, ${authentication} → request_uri ${short(authorizationUrl.searchParams.get('request_uri') ?? '', 40)}` })
        } else {
          authorizationUrl = signed
          report({ stage: 'par', detail: `no PAR: the ${described} goes by value in the authorization URL` })
        }
      }
      report({ stage: 'authorization', detail: `GET ${authorizationUrl.pathname}?${[...authorizationUrl.searchParams.keys()].join('&')}` })

      const callback = await followUserAgent(authorizationUrl, (uid) => {
        const consent = consents.get(uid)
        if (consent !== undefined) report({ stage: 'consent', detail: `granted automatically (${consent.accountId}: ${consent.scopes.join(' ')})` })
      })
      const response = callback.searchParams.get('response')
      if (response !== null) {
        const header = decodeProtectedHeader(response)
        const claims = decodeJwt(response)
        report({
          stage: 'response',
          detail: `JARM: response JWT ${header.alg ?? '?'} kid ${short(header.kid ?? '', 16)} from ${String(claims.iss)} for ${String(claims.aud)} — signature, iss, aud, exp and state verified by openid-client`,
        })
      } else {
        report({ stage: 'response', detail: `code ${short(callback.searchParams.get('code') ?? '', 6)}, iss ${callback.searchParams.get('iss') ?? '(none)'} checked by openid-client (RFC 9207)` })
      }

      const tokens = await client.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: verifier, ...(state !== undefined && { expectedState: state }) },
        undefined,
        dpop === undefined ? undefined : { DPoP: dpop },
      )
      const claims = decodeJwt(tokens.access_token)
      const cnf = (claims.cnf ?? {}) as FapiTokens['cnf']
      report({
        stage: 'token',
        detail: `code exchanged with ${authentication}${binding === 'dpop' ? ' and a DPoP proof' : ' over mTLS'} → ${tokens.token_type.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer'} token ${short(tokens.access_token)} scope="${tokens.scope ?? ''}" aud=${String(claims.aud)} cnf=${JSON.stringify(cnf)}`,
      })
      let dpopKey: FapiDPoPKey | undefined
      if (dpopPair !== undefined) {
        const publicJwkOfKey = await exportJWK(dpopPair.publicKey)
        dpopKey = { alg: 'ES256', privateKey: dpopPair.privateKey, publicKey: dpopPair.publicKey, publicJwk: publicJwkOfKey, thumbprint: await calculateJwkThumbprint(publicJwkOfKey, 'sha256') }
      }
      return {
        accessToken: tokens.access_token,
        tokenType: tokens.token_type.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer',
        scope: tokens.scope ?? '',
        expiresIn: tokens.expires_in,
        cnf,
        ...(dpopKey !== undefined && { dpopKey }),
        certificate,
        ...(tokens.authorization_details !== undefined && { authorizationDetails: tokens.authorization_details }),
      }
    }

    return { clientId, profile, binding, authentication, certificate, authorize }
  }

  /**
   * The user agent: follows the redirects from the authorization URL through sign-in and consent,
   * keeping the provider's cookies, until it is sent to the client's redirect URI.
   */
  async function followUserAgent(start: URL, onInteractionDone: (uid: string) => void): Promise<URL> {
    const cookies = new Map<string, string>()
    const interactions: string[] = []
    let next = start
    for (let hop = 0; hop < MAX_REDIRECTS; hop += 1) {
      const response = await asFetch(next.href, { headers: cookies.size === 0 ? {} : { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } })
      for (const setCookie of response.headers.getSetCookie()) {
        const [pair = ''] = setCookie.split(';')
        const separator = pair.indexOf('=')
        if (separator > 0) cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim())
      }
      const location = response.headers.get('location')
      if (response.status < 300 || response.status >= 400 || location === null) {
        const body = await response.text()
        throw new Error(`the authorization server answered ${response.status} at ${next.pathname}: ${/<pre>([\s\S]*?)<\/pre>/.exec(body)?.[1] ?? short(body, 200)}`)
      }
      const target = new URL(location, next)
      const interaction = /^\/interaction\/([^/]+)$/.exec(next.pathname)?.[1]
      if (interaction !== undefined) interactions.push(interaction)
      if (target.href.startsWith(REDIRECT_URI)) {
        for (const uid of new Set(interactions)) onInteractionDone(uid)
        return target
      }
      next = target
    }
    throw new Error(`the authorization server redirected more than ${MAX_REDIRECTS} times`)
  }

  return { issuer, audience, ca: tls.cert, fetch: asFetch, registerClient, close }
}
