import { X509Certificate, createPublicKey, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC, Provider as ProviderInstance } from 'oidc-provider'

/**
 * The header in which the authorization server's TLS-terminating proxy forwards the client
 * certificate (nginx `$ssl_client_escaped_cert`: the URL-encoded PEM). The same convention as the
 * API behind its proxy (`server-behind-proxy.ts`).
 */
export const AS_CERTIFICATE_HEADER = 'x-ssl-client-cert'

/** Scopes the API knows; a token gets the ones its client asked for. */
export const API_SCOPES = ['accounts:read', 'payments:write', 'profile'] as const

/** A client that authenticates with a secret (`client_secret_basic`). */
export interface SecretClient {
  readonly clientId: string
  readonly clientSecret: string
}

/** The clients registered at the authorization server. */
export interface RegisteredClients {
  /** Gets DPoP-bound JWT access tokens: every token request must carry a DPoP proof. */
  readonly dpop: SecretClient
  /**
   * Gets certificate-bound JWT access tokens (RFC 8705 §3). Authenticates with the same certificate
   * (`self_signed_tls_client_auth`, RFC 8705 §2.2): no secret.
   */
  readonly mtls: { readonly clientId: string }
  /** Gets plain JWT access tokens, bound to nothing (accepted only by an `oauth2`-profile guard). */
  readonly bearer: SecretClient
  /** Gets opaque access tokens, to be introspected; DPoP-bound when the request carries a proof. */
  readonly opaque: SecretClient
  /** The API itself, introspecting with `client_secret_basic`. */
  readonly resourceServer: SecretClient
  /** The API itself, introspecting with `private_key_jwt` (RFC 7523): its private key. */
  readonly resourceServerJwt: { readonly clientId: string; readonly privateKey: JWK }
}

/** What `startAuthorizationServer` needs. */
export interface AuthorizationServerOptions {
  /** The API's resource indicator (RFC 8707), which becomes the `aud` of its tokens. */
  readonly audience: string
  /** The certificate the `mtls` client authenticates with (PEM certificate and key). */
  readonly clientCertificate: { readonly cert: string; readonly key: string }
  /** Require a DPoP nonce at the token endpoint (RFC 9449 §8), so clients do the nonce dance. Default true. */
  readonly dpopNonce?: boolean
  /** Seconds access tokens live. Default 300. */
  readonly accessTokenTTL?: number
  /** Port on 127.0.0.1. Default 0 (ephemeral). */
  readonly port?: number
  /** Algorithm of the access-token signatures. Default `ES256` (FAPI 2.0 also allows `PS256` and EdDSA). */
  readonly accessTokenAlgorithm?: AccessTokenAlgorithm
  /** The secret of the API's own client (`resourceServer`). Default: a random one. */
  readonly resourceServerSecret?: string
}

/** Access-token signing algorithms this setup can make keys for (`Ed25519` is RFC 9864's name for EdDSA with Ed25519). */
export type AccessTokenAlgorithm = 'ES256' | 'PS256' | 'EdDSA' | 'Ed25519'

/** A running authorization server. */
export interface AuthorizationServer {
  /** `http://127.0.0.1:<port>`: the issuer identifier, and where its metadata is found. */
  readonly issuer: string
  readonly tokenEndpoint: string
  readonly introspectionEndpoint: string
  readonly revocationEndpoint: string
  /** The API's resource indicator and `aud`. */
  readonly audience: string
  readonly clients: RegisteredClients
  /** Requests received per path (`/token/introspection`, `/jwks`, …). */
  readonly hits: ReadonlyMap<string, number>
  /** The oidc-provider instance: tests mint other kinds of tokens (refresh tokens, ID tokens) with its models. */
  readonly provider: ProviderInstance
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/** `oidc-provider` announces on import and on first use what a production deployment must change; for a demo that is noise. */
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

/** oidc-provider's storage (grants, tokens, replay records), kept in memory for the life of the server. */
function memoryAdapter(): (name: string) => Adapter {
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
  return (name) => {
    const key = (id: string) => `${name}:${id}`
    const findBy = (member: 'userCode' | 'uid', value: string) => {
      for (const [id, record] of records) if (id.startsWith(`${name}:`) && record.payload[member] === value) return live(id)
      return undefined
    }
    return {
      async upsert(id, payload, expiresIn) {
        records.set(key(id), { payload, expiresAt: expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000 })
      },
      async find(id) {
        return live(key(id))
      },
      async findByUserCode(userCode) {
        return findBy('userCode', userCode)
      },
      async findByUid(uid) {
        return findBy('uid', uid)
      },
      async consume(id) {
        const payload = live(key(id))
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) {
        records.delete(key(id))
      },
      async revokeByGrantId(grantId) {
        for (const [id, record] of records) if (record.payload.grantId === grantId) records.delete(id)
      },
    }
  }
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'))
}

/**
 * The client certificate as the authorization server's TLS-terminating proxy reports it: the
 * URL-encoded PEM in `X-SSL-Client-Cert`, believed only on a connection from loopback (where that
 * proxy would be). oidc-provider calls this for certificate-bound tokens and for the
 * `self_signed_tls_client_auth` client authentication.
 */
function getCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  if (!isLoopback(ctx.req.socket.remoteAddress)) return undefined
  const value = ctx.get(AS_CERTIFICATE_HEADER)
  if (value === '') return undefined
  try {
    return new X509Certificate(decodeURIComponent(value))
  } catch {
    return undefined
  }
}

async function signingKey(alg: AccessTokenAlgorithm): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg === 'Ed25519' ? 'EdDSA' : alg, { extractable: true })
  return { ...(await exportJWK(privateKey)), kid: `as-${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`, alg, use: 'sig' }
}

/**
 * Starts `oidc-provider` (an OpenID-certified, FAPI 2.0-certified authorization server) on
 * `127.0.0.1`, configured for the API: `client_credentials` for the clients in `clients`, JWT access
 * tokens for the API's resource indicator (`aud` = `audience`, `typ` `at+jwt`, ES256 unless
 * `accessTokenAlgorithm` says otherwise) or opaque ones
 * for the `opaque` client, DPoP (with its own nonces at the token endpoint), certificate-bound
 * tokens with the certificate reported by a TLS-terminating proxy, introspection (JSON or RFC 9701
 * JWT responses) and revocation. Plain HTTP is fine on loopback; a real deployment serves HTTPS.
 */
export async function startAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const { audience } = options
  const accessTokenAlgorithm = options.accessTokenAlgorithm ?? 'ES256'
  const hits = new Map<string, number>()
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://as.invalid').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    if (handler === undefined) {
      res.writeHead(503).end()
      return
    }
    handler(req, res)
  })
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const { default: Provider, errors } = await quietly(() => import('oidc-provider'))
  const secret = () => randomBytes(24).toString('base64url')
  // The API's key for private_key_jwt: the private half stays with the API, the AS registers the public one.
  const { privateKey: resourceServerKey } = await generateKeyPair('ES256', { extractable: true })
  const resourceServerPrivate: JWK = { ...(await exportJWK(resourceServerKey)), kid: 'accounts-api-jwt-1', alg: 'ES256' }
  const { d: _private, ...resourceServerPublic } = resourceServerPrivate
  const clients: RegisteredClients = {
    dpop: { clientId: 'dpop-client', clientSecret: secret() },
    mtls: { clientId: 'mtls-client' },
    bearer: { clientId: 'bearer-client', clientSecret: secret() },
    opaque: { clientId: 'opaque-client', clientSecret: secret() },
    resourceServer: { clientId: 'accounts-api', clientSecret: options.resourceServerSecret ?? secret() },
    resourceServerJwt: { clientId: 'accounts-api-jwt', privateKey: resourceServerPrivate },
  }
  const certificate = new X509Certificate(options.clientCertificate.cert)
  const certificateJwk = {
    ...(createPublicKey(options.clientCertificate.key).export({ format: 'jwk' }) as JWK),
    x5c: [certificate.raw.toString('base64')],
  }

  const tokenClient = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }
  const resourceServerClient = { grant_types: [], response_types: [], redirect_uris: [] }
  const configuration: Configuration = {
    adapter: memoryAdapter(),
    // ES256 signs introspection responses (and ID tokens, unused here); the access tokens are signed with their own algorithm.
    jwks: { keys: accessTokenAlgorithm === 'ES256' ? [await signingKey('ES256')] : [await signingKey('ES256'), await signingKey(accessTokenAlgorithm)] },
    cookies: { keys: [secret()] },
    ttl: { ClientCredentials: options.accessTokenTTL ?? 300 },
    clientDefaults: { id_token_signed_response_alg: 'ES256', introspection_signed_response_alg: 'ES256' },
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt', 'self_signed_tls_client_auth'],
    // FAPI 2.0's algorithms for DPoP proofs (oidc-provider's default leaves PS256 out).
    enabledJWA: { dPoPSigningAlgValues: ['ES256', 'PS256', 'EdDSA', 'Ed25519'] },
    clients: [
      { client_id: clients.dpop.clientId, client_secret: clients.dpop.clientSecret, dpop_bound_access_tokens: true, ...tokenClient },
      {
        client_id: clients.mtls.clientId,
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        tls_client_certificate_bound_access_tokens: true,
        jwks: { keys: [certificateJwk] },
        ...tokenClient,
      },
      { client_id: clients.bearer.clientId, client_secret: clients.bearer.clientSecret, ...tokenClient },
      { client_id: clients.opaque.clientId, client_secret: clients.opaque.clientSecret, ...tokenClient },
      { client_id: clients.resourceServer.clientId, client_secret: clients.resourceServer.clientSecret, ...resourceServerClient },
      {
        client_id: clients.resourceServerJwt.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [resourceServerPublic] },
        ...resourceServerClient,
      },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Any authenticated client may introspect (here: the API's two clients); a public client never.
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none' },
      jwtIntrospection: { enabled: true },
      // A client revokes only its own tokens.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: () => options.dpopNonce ?? true,
      },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        selfSignedTlsClientAuth: true,
        getCertificate,
      },
      resourceIndicators: {
        enabled: true,
        // A token request without `resource` is for the API too (there is no other resource here).
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator, client) => {
          if (resourceIndicator !== audience) throw new errors.InvalidTarget()
          return {
            audience,
            scope: API_SCOPES.join(' '),
            accessTokenTTL: options.accessTokenTTL ?? 300,
            accessTokenFormat: client.clientId === clients.opaque.clientId ? 'opaque' : 'jwt',
            jwt: { sign: { alg: accessTokenAlgorithm } },
          }
        },
      },
    },
  }

  const stop = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((error) => (error ? reject(error) : resolve()))
    })
  let provider: ProviderInstance
  try {
    provider = await quietly(async () => new Provider(issuer, configuration))
  } catch (error) {
    await stop()
    throw error
  }
  handler = provider.callback()

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    audience,
    clients,
    hits,
    provider,
    close: stop,
  }
}
