import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'

/** Signing algorithms the local issuer can mint with. */
export type LocalIssuerAlgorithm = 'PS256' | 'ES256' | 'EdDSA' | 'RS256' | 'ES384' | 'PS384' | 'RS384' | 'ES512' | 'PS512' | 'RS512'

/** One signing key of the local issuer. */
export interface LocalIssuerKey {
  readonly kid: string
  readonly alg: LocalIssuerAlgorithm
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

/** Options of `createLocalIssuer`. */
export interface LocalIssuerOptions {
  /** Algorithms of the initial keys, one key each. Default `['ES256']`. */
  algorithms?: LocalIssuerAlgorithm[]
  /** Default `aud` of minted tokens. Default `https://api.example.test`. */
  audience?: string
  /** Path of the issuer identifier (`/tenant` → `http://127.0.0.1:port/tenant`). Default none. */
  path?: string
  /** Serve OpenID Connect discovery instead of RFC 8414 metadata. Default false. */
  openIdConfiguration?: boolean
  /** Client allowed to call the introspection endpoint (`client_secret_basic` or `client_secret_post`). */
  introspectionClient?: { clientId: string; clientSecret: string }
}

/** An introspection request as the local issuer received it. */
export interface ReceivedIntrospection {
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: URLSearchParams
}

/** How a minted token deviates from a valid one. */
export interface MintOptions {
  /** Key to sign with (by `kid`). Default: the first key. */
  kid?: string
  /** JOSE header members to add or override (`typ`, `crit`, `jku`, …); `kid: undefined` removes it. */
  header?: Record<string, unknown>
  /** Seconds until `exp`. Default 300. */
  expiresIn?: number
  /** Issue time in seconds since the epoch. Default now. */
  now?: number
}

/** A small authorization server on loopback: keys, JWKS, metadata, and token minting, for tests and demos. */
export interface LocalIssuer {
  /** Issuer identifier, `http://127.0.0.1:<port><path>`. */
  readonly issuer: string
  readonly jwksUri: string
  readonly audience: string
  readonly keys: readonly LocalIssuerKey[]
  /** How many times each path was requested. */
  readonly hits: Map<string, number>
  /** While true, every endpoint answers 503. */
  down: boolean
  /** `${issuer}/introspect` (RFC 7662). */
  readonly introspectionEndpoint: string
  /** Introspection requests received, oldest first. */
  readonly introspections: ReceivedIntrospection[]
  /** Issues an opaque access token the introspection endpoint answers for with these members (plus `active: true`); `undefined` removes a default one. */
  issueOpaque(claims?: Record<string, unknown>): string
  /** Revokes a token (opaque or minted): introspection answers `{ "active": false }` from now on. */
  revoke(token: string): void
  /** Mints a signed access token: RFC 9068 claims by default, overridden by `claims`. Introspection answers for it with its claims. */
  mint(claims?: JWTPayload & Record<string, unknown>, options?: MintOptions): Promise<string>
  /** Adds (rotates in) a new key and returns it. */
  addKey(alg: LocalIssuerAlgorithm): Promise<LocalIssuerKey>
  /** Stops the server. */
  close(): Promise<void>
}

async function makeKey(alg: LocalIssuerAlgorithm): Promise<LocalIssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: false })
  const kid = randomUUID()
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

/** Starts a local issuer on `127.0.0.1` with a random port. */
export async function createLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const keys: LocalIssuerKey[] = []
  for (const alg of options.algorithms ?? ['ES256']) keys.push(await makeKey(alg))
  const path = options.path ?? ''
  const audience = options.audience ?? 'https://api.example.test'
  const hits = new Map<string, number>()
  let origin = ''
  const state = { down: false }

  const opaque = new Map<string, Record<string, unknown>>()
  const revoked = new Set<string>()
  const introspections: ReceivedIntrospection[] = []

  const introspect = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    introspections.push({ headers: { ...req.headers }, body })
    const client = options.introspectionClient
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')
    const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '))
    let authenticated = false
    if (client !== undefined && basic !== null) {
      const [id = '', secret = ''] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':')
      authenticated = decode(id) === client.clientId && decode(secret) === client.clientSecret
    } else if (client !== undefined) {
      authenticated = body.get('client_id') === client.clientId && body.get('client_secret') === client.clientSecret
    }
    if (!authenticated) return send(res, 401, { error: 'invalid_client' })
    const token = body.get('token') ?? ''
    const claims = revoked.has(token) ? undefined : opaque.get(token)
    const result = claims === undefined ? { active: false } : { active: true, ...claims }
    if (req.headers.accept === 'application/token-introspection+jwt') {
      const key = keys[0] as LocalIssuerKey
      const jwt = await new SignJWT({ token_introspection: result })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'token-introspection+jwt' })
        .setIssuer(`${origin}${path}`)
        .setAudience(client?.clientId ?? '')
        .setIssuedAt()
        .sign(key.privateKey)
      res.writeHead(200, { 'content-type': 'application/token-introspection+jwt', 'cache-control': 'no-store' })
      return res.end(jwt)
    }
    send(res, 200, result)
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin)
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1)
    if (state.down) return send(res, 503, { error: 'temporarily_unavailable' })
    if (req.method === 'POST' && url.pathname === `${path}/introspect`) {
      introspect(req, res).catch(() => send(res, 500, { error: 'server_error' }))
      return
    }
    const metadata = {
      issuer: `${origin}${path}`,
      jwks_uri: `${origin}${path}/jwks`,
      token_endpoint: `${origin}${path}/token`,
      introspection_endpoint: `${origin}${path}/introspect`,
      id_token_signing_alg_values_supported: keys.map((key) => key.alg),
    }
    const metadataPath = options.openIdConfiguration
      ? `${path}/.well-known/openid-configuration`
      : `/.well-known/oauth-authorization-server${path}`
    if (req.method === 'GET' && url.pathname === metadataPath) return send(res, 200, metadata)
    if (req.method === 'GET' && url.pathname === `${path}/jwks`) return send(res, 200, { keys: keys.map((key) => key.publicJwk) })
    send(res, 404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuer = `${origin}${path}`

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    introspectionEndpoint: `${issuer}/introspect`,
    introspections,
    issueOpaque(claims = {}) {
      const token = randomBytes(24).toString('base64url')
      const now = Math.floor(Date.now() / 1000)
      const members: Record<string, unknown> = { iss: issuer, aud: audience, sub: 'user-1', client_id: 'client-1', iat: now, exp: now + 300, ...claims }
      for (const [name, value] of Object.entries(members)) if (value === undefined) delete members[name]
      opaque.set(token, members)
      return token
    },
    revoke(token) {
      revoked.add(token)
    },
    audience,
    keys,
    hits,
    get down() {
      return state.down
    },
    set down(value: boolean) {
      state.down = value
    },
    async mint(claims = {}, mintOptions = {}) {
      const key = mintOptions.kid === undefined ? keys[0] : keys.find((candidate) => candidate.kid === mintOptions.kid)
      if (key === undefined) throw new Error('no such key')
      const now = mintOptions.now ?? Math.floor(Date.now() / 1000)
      const payload: Record<string, unknown> = {
        iss: issuer,
        aud: audience,
        sub: 'user-1',
        client_id: 'client-1',
        iat: now,
        exp: now + (mintOptions.expiresIn ?? 300),
        jti: randomUUID(),
        ...claims,
      }
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
      const header: Record<string, unknown> = { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...mintOptions.header }
      for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name]
      const jwt = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey)
      // The introspection endpoint knows every token issued here, JWTs too (RFC 7662 §2.1), so
      // `introspection.tokens: 'all'` and `revoke` work on minted tokens.
      opaque.set(jwt, payload)
      return jwt
    },
    async addKey(alg) {
      const key = await makeKey(alg)
      keys.push(key)
      return key
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
    },
  }
}
