import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { guard } from '@fapi-guard/koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteCounter } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
import { send, serve, type Served } from './support/http.js'

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

// Default profile (fapi2): a certificate-bound token needs its certificate in the TLS handshake (RFC 8705 §3).
describe.each(koaVersions)('certificate-bound tokens over HTTPS on $name', ({ Koa }) => {
  let server: Served
  let route: RouteCounter
  let url: string
  beforeAll(async () => {
    const built = protectedApp(Koa, [guard({ issuer: issuer.issuer, audience: issuer.audience })])
    route = built.route
    server = await serve(built.app.callback(), serverCertificate)
    url = `${server.origin}/resource`
  })
  afterAll(() => server.close())

  const boundToken = () => issuer.mint({ cnf: { 'x5t#S256': client.thumbprint }, scope: 'accounts:read' })

  it('the certificate the token is bound to → 200, binding on ctx.state.auth', async () => {
    const before = route.count
    const reply = await send(url, {
      headers: { authorization: `Bearer ${await boundToken()}` },
      cert: client.cert,
      key: client.key,
      ca: serverCertificate.cert,
    })
    expect(reply.status).toBe(200)
    expect(reply.json()).toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } }, scopes: ['accounts:read'] })
    expect(route.count).toBe(before + 1)
  })

  it('another client certificate → 401 invalid_token', async () => {
    const before = route.count
    const reply = await send(url, {
      headers: { authorization: `Bearer ${await boundToken()}` },
      cert: stranger.cert,
      key: stranger.key,
      ca: serverCertificate.cert,
    })
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
})
