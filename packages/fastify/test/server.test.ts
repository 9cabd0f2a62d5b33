import { createDPoPKey, createDPoPProof, createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteCounter } from './support/apps.js'
import { send, sendRaw } from './support/http.js'

// Real listening servers: `fastify.inject` has no TLS socket (so no client certificate) and no
// HTTP parser of Node's, so these cases need one.

let issuer: LocalIssuer
let serverCertificate: TestCertificate
let client: TestCertificate
let stranger: TestCertificate
beforeAll(async () => {
  issuer = await createLocalIssuer()
  serverCertificate = createTestCertificate('localhost')
  client = createTestCertificate('client')
  stranger = createTestCertificate('stranger')
})
afterAll(() => issuer.close())

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

describe('certificate-bound tokens over HTTPS (requestCert: true, rejectUnauthorized: false)', () => {
  let app: FastifyInstance
  let route: RouteCounter
  let url: string
  beforeAll(async () => {
    ;({ app, route } = await protectedApp(
      { issuer: issuer.issuer, audience: issuer.audience },
      {},
      { https: { key: serverCertificate.key, cert: serverCertificate.cert, requestCert: true, rejectUnauthorized: false } },
    ))
    url = `https://127.0.0.1:${await listen(app)}/resource`
  })
  afterAll(() => app.close())

  const boundToken = () => issuer.mint({ cnf: { 'x5t#S256': client.thumbprint }, scope: 'accounts:read' })

  it('the certificate the token is bound to → 200, the binding on request.auth', async () => {
    const before = route.count
    const reply = await send(url, { headers: { authorization: `Bearer ${await boundToken()}` }, cert: client.cert, key: client.key, ca: serverCertificate.cert })
    expect(reply.status).toBe(200)
    expect(reply.json()).toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } }, scopes: ['accounts:read'] })
    expect(route.count).toBe(before + 1)
  })

  it('another client certificate → 401 invalid_token', async () => {
    const before = route.count
    const reply = await send(url, { headers: { authorization: `Bearer ${await boundToken()}` }, cert: stranger.cert, key: stranger.key, ca: serverCertificate.cert })
    expect(reply.status).toBe(401)
    expect(reply.json()).toMatchObject({ error: 'invalid_token' })
    expect(reply.headers['www-authenticate']).toContain('error="invalid_token"')
    expect(route.count).toBe(before)
  })

  it('no client certificate → 401 invalid_token', async () => {
    const before = route.count
    const reply = await send(url, { headers: { authorization: `Bearer ${await boundToken()}` }, ca: serverCertificate.cert })
    expect(reply.status).toBe(401)
    expect(reply.json()).toMatchObject({ error: 'invalid_token' })
    expect(route.count).toBe(before)
  })

  it('a DPoP proof for the https URL the client addressed → 200', async () => {
    const key = await createDPoPKey()
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const dpop = await createDPoPProof({ key, method: 'GET', url, accessToken: token })
    const reply = await send(url, { headers: { authorization: `DPoP ${token}`, dpop }, ca: serverCertificate.cert })
    expect(reply.status).toBe(200)
    expect(reply.json()).toMatchObject({ binding: { dpop: { jkt: key.thumbprint } } })
  })
})

describe('duplicate Authorization headers on a real HTTP server', () => {
  let app: FastifyInstance
  let route: RouteCounter
  let port: number
  beforeAll(async () => {
    ;({ app, route } = await protectedApp({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' }))
    port = await listen(app)
  })
  afterAll(() => app.close())

  it('sent raw on a socket → 400 invalid_request, even when the first one is valid', async () => {
    const token = await issuer.mint()
    const { status, text } = await sendRaw(
      port,
      `GET /resource HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer other\r\nConnection: close\r\n\r\n`,
    )
    expect(status).toBe(400)
    expect(text).toContain('"error":"invalid_request"')
    expect(text.toLowerCase()).toContain('www-authenticate: bearer realm="api", error="invalid_request"')
    expect(route.count).toBe(0)
  })

  it('an array header value from Node’s client → 400; one header → 200', async () => {
    const token = await issuer.mint()
    const twice = await send(`http://127.0.0.1:${port}/resource`, { headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } })
    expect(twice.status).toBe(400)
    expect(route.count).toBe(0)
    const once = await send(`http://127.0.0.1:${port}/resource`, { headers: { authorization: `Bearer ${token}` } })
    expect(once.status).toBe(200)
    expect(route.count).toBe(1)
  })
})
