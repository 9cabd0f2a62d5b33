/**
 * Helpers for the introspection suite (test/introspection): a stub authorization server on loopback
 * (plain HTTP or HTTPS with client certificates) that records every request and answers per token,
 * RFC 9701 response signing, and the operator-facing views of a refusal (the clock, requests and refusal
 * assertions are `../support/kit.ts`).
 */
import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer as createHTTPServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHTTPSServer, globalAgent } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { inspect } from 'node:util'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { expect } from 'vitest'
import type { GuardError } from '../../src/index.js'
import type { GuardOptions, IntrospectionOptions } from '../../src/options/types.js'
import type { AuthContext } from '../../src/types.js'
import { expectRefusal, NOW, type TestClock } from '../support/kit.js'

/** The issuer the guards trust (introspection endpoint configured explicitly, so never resolved). */
export const ISSUER = 'https://as.example.test'
export const AUDIENCE = 'https://api.example.test'
export const CLIENT_ID = 'rs-client'
export const CLIENT_SECRET = 'rs-secret-0123456789'

/** One request the stub server received. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The body as sent. */
  readonly raw: string
  readonly body: URLSearchParams
  /** `x5t#S256` of the client certificate presented on the TLS connection, if any. */
  readonly peerThumbprint: string | undefined
}

/** Answers one request (after it was recorded). */
export type Handler = (request: Received, res: ServerResponse) => void | Promise<void>

/** A stub authorization server on 127.0.0.1. */
export interface StubAS {
  /** `http(s)://127.0.0.1:<port>`. */
  readonly origin: string
  /** `${origin}/introspect`. */
  readonly endpoint: string
  /** Every request received, oldest first. */
  readonly requests: Received[]
  /** Introspection responses by token; unknown tokens get `{ "active": false }`. */
  readonly answers: Map<string, Record<string, unknown>>
  /** When set, checked like an AS would (`client_secret_basic` decoded per RFC 6749 §2.3.1, or `client_secret_post`). */
  client: { id: string; secret: string } | undefined
  /** When set, answers `/introspect` instead of the default. */
  handler: Handler | undefined
  /** When set, served at `/.well-known/oauth-authorization-server`. */
  metadata: Record<string, unknown> | undefined
  /** Requests to `/introspect` so far. */
  calls(): number
  close(): Promise<void>
}

/** JSON reply. */
export function reply(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' })
  res.end(text)
}

/** RFC 6749 §2.3.1: the `client_secret_basic` credentials, form-decoded after Base64. */
export function decodeBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(header ?? '')
  if (match === null) return undefined
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return undefined
  const form = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '))
  return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) }
}

/** The default introspection endpoint: authenticate (when `client` is set), then answer from `answers`. */
function defaultIntrospection(as: StubAS): Handler {
  return (request, res) => {
    if (as.client !== undefined) {
      const basic = decodeBasic(request.headers.authorization)
      const presented = basic ?? { id: request.body.get('client_id') ?? '', secret: request.body.get('client_secret') ?? '' }
      if (presented.id !== as.client.id || presented.secret !== as.client.secret) return reply(res, 401, { error: 'invalid_client' })
    }
    reply(res, 200, as.answers.get(request.body.get('token') ?? '') ?? { active: false })
  }
}

/** Starts a stub AS; with `tls`, an HTTPS server that asks for (and does not verify) client certificates. */
export async function startAS(tls?: { key: string; cert: string }): Promise<StubAS> {
  const sockets = new Set<Socket>()
  const requests: Received[] = []
  let origin = ''
  const as: StubAS = {
    get origin() {
      return origin
    },
    get endpoint() {
      return `${origin}/introspect`
    },
    requests,
    answers: new Map(),
    client: undefined,
    handler: undefined,
    metadata: undefined,
    calls: () => requests.filter((request) => request.path === '/introspect').length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const socket = req.socket as TLSSocket
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate(false) : undefined
    const peerThumbprint = peer?.raw === undefined ? undefined : createHash('sha256').update(peer.raw).digest('base64url')
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const request: Received = { method: req.method ?? '', path, headers: req.headers, raw, body: new URLSearchParams(raw), peerThumbprint }
    requests.push(request)
    if (path === '/.well-known/oauth-authorization-server' && as.metadata !== undefined) return reply(res, 200, as.metadata)
    if (path !== '/introspect') return reply(res, 404, { error: 'not_found' })
    await (as.handler ?? defaultIntrospection(as))(request, res)
  }
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    listener(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { error: 'server_error' })
    })
  }
  const server: Server = tls === undefined ? createHTTPServer(handle) : createHTTPSServer({ ...tls, requestCert: true, rejectUnauthorized: false }, handle)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`
  return as
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createHTTPServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** An active introspection response of `ISSUER` for `AUDIENCE`, valid from the clock's now for 300 s, plus `claims` (`undefined` removes one). */
export function active(clock: TestClock, claims: Record<string, unknown> = {}): Record<string, unknown> {
  const answer: Record<string, unknown> = { active: true, iss: ISSUER, aud: AUDIENCE, sub: 'user-1', client_id: 'client-1', scope: 'accounts:read', iat: clock.seconds, exp: clock.seconds + 300, ...claims }
  for (const [name, value] of Object.entries(answer)) if (value === undefined) delete answer[name]
  return answer
}

/** Options of a guard on `ISSUER` (oauth2 profile: unbound bearer tokens accepted) introspecting at `as`. */
export function guardOptions(
  as: StubAS,
  clock: TestClock,
  introspection: IntrospectionOverrides = {},
  extra: Partial<GuardOptions> = {},
): GuardOptions {
  const settings: Record<string, unknown> = { endpoint: as.endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...introspection }
  for (const [name, value] of Object.entries(settings)) if (value === undefined) delete settings[name]
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    profile: 'oauth2',
    clock: clock.now,
    introspection: settings as unknown as IntrospectionOptions,
    ...extra,
  }
}

/** Introspection settings over the suite's defaults; `undefined` removes a default (e.g. `clientSecret`). */
export type IntrospectionOverrides = { [K in keyof IntrospectionOptions]?: IntrospectionOptions[K] | undefined }

/** 503 `ERR_INTROSPECTION_UNAVAILABLE` with `retry-after`: a fault refused, never 200 or 500. */
export async function unavailable(promise: Promise<AuthContext>, code = 'ERR_INTROSPECTION_UNAVAILABLE'): Promise<GuardError> {
  const error = await expectRefusal(promise, { status: 503, error: 'temporarily_unavailable', code })
  expect(error.headers['retry-after']).toMatch(/^[1-9]\d*$/)
  expect(error.toJSON().error).toBe('temporarily_unavailable')
  return error
}

/** The operator's detail of a refusal: the message of its `cause` (never sent to the client). */
export function causeOf(error: GuardError): string {
  return error.cause instanceof Error ? error.cause.message : ''
}

/** Everything a refusal could show a client or a log: description, message, headers, body, inspection. */
export function exposedText(error: GuardError): string {
  return [error.description, error.message, String(error), JSON.stringify(error.headers), JSON.stringify(error.toJSON()), inspect(error, { depth: 5 })].join('\n')
}

/** The authorization server's signing key for RFC 9701 responses, and the key set the guard trusts. */
export interface ResponseKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
  readonly jwks: { keys: JWK[] }
}

export async function responseKey(kid = 'as-1'): Promise<ResponseKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }
  return { kid, privateKey, publicJwk, jwks: { keys: [publicJwk] } }
}

/** An RFC 9701 response: `token_introspection` plus `iss`, `aud`, `iat`, with claim and header overrides (`undefined` removes). */
export async function signedResponse(
  key: ResponseKey,
  introspection: Record<string, unknown> | undefined,
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; iat?: number } = {},
): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: CLIENT_ID,
    iat: options.iat ?? NOW,
    ...(introspection !== undefined && { token_introspection: introspection }),
    ...options.claims,
  }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  const header: Record<string, unknown> = { alg: 'ES256', kid: key.kid, typ: 'token-introspection+jwt', ...options.header }
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name]
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey)
}

/** `x5t#S256` of a PEM certificate. */
export function thumbprintOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url')
}

/** Waits until `condition` holds (polling), at most `ms`. */
export async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Makes the Node build's `tls_client_auth` transport (node:https, default agent) trust `pem` as a root
 * until the returned function is called. The guard has no option for the introspection server's trust
 * anchors (see the report), and a test server's certificate is self-signed.
 */
export function trustServerCertificate(pem: string): () => void {
  const options = globalAgent.options as { ca?: unknown }
  const before = options.ca
  options.ca = [pem]
  return () => {
    if (before === undefined) delete options.ca
    else options.ca = before
  }
}

/** `test/fixtures/vectors.json`, the spec example values (the sections the tests read). */
export interface Vectors {
  rfc7662_examples: { request: string; active_response: Record<string, unknown>; inactive_response: Record<string, unknown> }
  rfc9449_dpop: {
    public_jwk: JWK
    jwk_thumbprint_jkt: string
    resource_request: { access_token: string; proof_jwt: string; proof_payload: { htu: string; htm: string; iat: number }; ath: string }
    introspection_response_dpop_bound: Record<string, unknown>
  }
  rfc8705_mtls: {
    example_x5t_s256: string
    introspection_example: Record<string, unknown>
    local_fixture: { cert_pem_file: string; 'x5t#S256': string }
  }
}

const REFERENCE = new URL('../fixtures/', import.meta.url)

export function readVectors(): Vectors {
  return JSON.parse(readFileSync(new URL('vectors.json', REFERENCE), 'utf8')) as Vectors
}

/** A file of `test/fixtures/`. */
export function readReference(path: string): string {
  return readFileSync(new URL(path, REFERENCE), 'utf8')
}
