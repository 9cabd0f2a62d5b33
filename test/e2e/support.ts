import { isGuardError } from '@fapi-guard/core'
import { guard, guardErrorHandler, type ExpressGuardOptions } from '@fapi-guard/express'
import { createTestCertificate, type TestCertificate } from '@fapi-guard/testing'
import { calculateThumbprint, generateKeyPair, type KeyPair } from 'dpop'
import express from 'express'
import { once } from 'node:events'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { startAuthorizationServer, type AuthorizationServer, type AuthorizationServerOptions } from '../../examples/express/src/authorization-server.js'
import { callAPI, proofFor, requestToken, type APIResponse } from '../../examples/express/src/client.js'

export { callAPI, proofFor, requestToken, revokeToken } from '../../examples/express/src/client.js'

export const AUDIENCE = 'https://api.example.test'

/** The authorization server and the client's certificates. */
export interface World {
  readonly as: AuthorizationServer
  readonly serverCertificate: TestCertificate
  readonly clientCertificate: TestCertificate
  readonly otherCertificate: TestCertificate
}

export async function startWorld(options: Partial<Omit<AuthorizationServerOptions, 'audience' | 'clientCertificate'>> = {}): Promise<World> {
  const serverCertificate = createTestCertificate('localhost')
  const clientCertificate = createTestCertificate('client')
  const otherCertificate = createTestCertificate('another-client')
  const as = await startAuthorizationServer({ ...options, audience: AUDIENCE, clientCertificate })
  return { as, serverCertificate, clientCertificate, otherCertificate }
}

/** A movable clock for the guards: `skew` milliseconds ahead of the real one. */
export class TestClock {
  skew = 0
  readonly now = () => Date.now() + this.skew
}

/**
 * The API over HTTPS (client certificates requested, not checked against a CA), one guard per
 * mount point: `GET|POST <mount>/accounts` answers 200 with what the guard verified. Refusals go
 * through `guardErrorHandler()`, after a middleware that exposes the fine-grained code in
 * `X-Error-Code` for the assertions (a real API would log it instead).
 */
export async function startResourceServer(
  tls: TestCertificate,
  mounts: Record<string, ExpressGuardOptions>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const app = express()
  for (const [mount, options] of Object.entries(mounts)) {
    const router = express.Router()
    router.use(guard({ ...options, forwardErrors: true }))
    router.all('/accounts', (req, res) => {
      const auth = req.auth
      res.json({ source: auth?.source, clientId: auth?.clientId, subject: auth?.subject, scopes: auth?.scopes, binding: auth?.binding })
    })
    app.use(mount, router)
  }
  app.use(((error, _req, res, next) => {
    if (isGuardError(error)) res.set('x-error-code', error.code)
    next(error)
  }) as express.ErrorRequestHandler)
  app.use(guardErrorHandler())
  const server = createServer({ key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false }, app)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** The `error` of the challenge, and under which scheme it came. */
export function challenge(response: APIResponse): { scheme: string | undefined; error: string | undefined } {
  const header = response.headers['www-authenticate']
  if (header === undefined) return { scheme: undefined, error: undefined }
  const error = /\berror="([^"]+)"/.exec(header)
  if (error === null) return { scheme: undefined, error: undefined }
  // The scheme of the challenge the error sits in: the last one that starts before it.
  const schemes = [...header.slice(0, error.index).matchAll(/(?:^|,\s*)(Bearer|DPoP)(?=\s)/g)]
  return { scheme: schemes.at(-1)?.[1], error: error[1] }
}

/** The guard's fine-grained `ERR_*` code of a refusal. */
export function errorCode(response: APIResponse): string | undefined {
  const value = response.headers['x-error-code']
  return Array.isArray(value) ? value[0] : value
}

/** The JSON body of a response. */
export function json(response: APIResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>
}

/** A DPoP key pair of the `dpop` package, with its thumbprint. */
export async function dpopKey(): Promise<KeyPair & { jkt: string }> {
  const pair = await generateKeyPair('ES256')
  return Object.assign(pair, { jkt: await calculateThumbprint(pair.publicKey) })
}

/** GET with a DPoP-bound token and a fresh proof for exactly this request. */
export async function getWithDPoP(url: string, ca: string, token: string, key: KeyPair, nonce?: string): Promise<APIResponse> {
  return callAPI({ url, ca, headers: { authorization: `DPoP ${token}`, dpop: await proofFor(key, 'GET', url, token, nonce) } })
}

/** A token of one of the registered clients. */
export async function tokenFor(
  world: World,
  kind: 'dpop' | 'mtls' | 'bearer' | 'opaque',
  options: { scope?: string; dpopKey?: KeyPair } = {},
): Promise<{ token: string; nonceChallenges: number; tokenType: string }> {
  const { as } = world
  const issued = await requestToken({
    tokenEndpoint: as.tokenEndpoint,
    client: as.clients[kind],
    scope: options.scope ?? 'accounts:read',
    resource: AUDIENCE,
    ...(options.dpopKey !== undefined && { dpopKey: options.dpopKey }),
    ...(kind === 'mtls' && { certificate: world.clientCertificate.cert }),
  })
  return { token: issued.access_token, nonceChallenges: issued.nonceChallenges, tokenType: issued.token_type }
}

/**
 * A refresh token of the `opaque` client, made by oidc-provider's own models exactly as its token
 * endpoint does after an authorization code grant with `offline_access` (this setup's clients use
 * `client_credentials`, which issues none). oidc-provider introspects it as active, with no `aud`
 * and no `token_type`.
 */
export async function refreshTokenFor(world: World): Promise<string> {
  const { provider, clients } = world.as
  const client = await provider.Client.find(clients.opaque.clientId)
  if (client === undefined) throw new Error('the opaque client is not registered')
  const grant = new provider.Grant({ clientId: client.clientId, accountId: 'user-1' })
  grant.addOIDCScope('openid offline_access')
  grant.addResourceScope(AUDIENCE, 'accounts:read')
  const grantId = await grant.save()
  return new provider.RefreshToken({ client, accountId: 'user-1', grantId, gty: 'authorization_code', scope: 'openid offline_access' }).save()
}

/** An ID token for the `opaque` client, signed by oidc-provider with its keys (`aud` the client, no `typ`). */
export async function idTokenFor(world: World): Promise<string> {
  const { provider, clients } = world.as
  const client = await provider.Client.find(clients.opaque.clientId)
  if (client === undefined) throw new Error('the opaque client is not registered')
  const token = new provider.IdToken({ sub: 'user-1' }, { client })
  Object.assign(token, { scope: 'openid' }) // read by its claims mask; not in the model's types
  token.set('aud', [client.clientId, AUDIENCE])
  return token.issue({ use: 'idtoken' })
}
