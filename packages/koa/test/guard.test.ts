import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { guard, type KoaGuardOptions } from '@fapi-guard/koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
let serverCertificate: TestCertificate
let client: TestCertificate
beforeAll(async () => {
  issuer = await createLocalIssuer()
  serverCertificate = createTestCertificate('localhost')
  client = createTestCertificate('client')
})
afterAll(() => issuer.close())

// What a request is answered is the contract table's (test/contract/cases.ts, Koa 3 with @koa/router);
// here: guard() on both Koa majors, where the AuthContext lands, and the TLS connection read through ctx.req.
describe.each(koaVersions)('guard() on $name', ({ Koa }) => {
  async function start(options: KoaGuardOptions, tls?: TestCertificate) {
    const { app, route } = protectedApp(Koa, [guard(options)])
    const server = await serve(app.callback(), tls)
    return { route, server, url: `${server.origin}/resource` }
  }

  it('lets a valid token through and puts the AuthContext on ctx.state.auth', async () => {
    const { route, server, url } = await start({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })
    try {
      const token = await issuer.mint({ scope: 'accounts:read openid', sub: 'alice', client_id: 'app-7' })
      const reply = await send(url, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({
        auth: { issuer: issuer.issuer, subject: 'alice', clientId: 'app-7', scopes: ['accounts:read', 'openid'], binding: {}, source: 'jwt', token },
      })
      expect(reply.headers['www-authenticate']).toBeUndefined()
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('answers a refusal itself: the route never runs', async () => {
    const { route, server, url } = await start({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })
    try {
      const reply = await send(url)
      expect(reply.status).toBe(401)
      expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
      expect(reply.json()).toEqual({ error: 'unauthorized' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('over HTTPS the client certificate reaches the guard: a certificate-bound token → 200, its binding on ctx.state.auth', async () => {
    const { route, server, url } = await start({ issuer: issuer.issuer, audience: issuer.audience }, serverCertificate)
    try {
      const token = await issuer.mint({ cnf: { 'x5t#S256': client.thumbprint } })
      const reply = await send(url, { headers: { authorization: `Bearer ${token}` }, cert: client.cert, key: client.key, ca: serverCertificate.cert })
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({ auth: { binding: { mtls: { x5tS256: client.thumbprint } } } })
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })
})
