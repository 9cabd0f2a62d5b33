import { createHash } from 'node:crypto'
import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { guard, type ExpressGuardOptions } from '@fapi-guard/express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteCounter } from './support/apps.js'
import { expressVersions, type ExpressFactory } from './support/express-versions.js'
import { send, sendRaw, serve, type Reply, type Served } from './support/http.js'

// An app behind a TLS-terminating proxy (RFC 8705 §6.5): the proxy does the TLS handshake with the
// client and forwards its certificate in a header. The app listens on loopback, so the test client
// stands for the proxy; whether it is believed depends on `proxy.trusted` alone.

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

const boundToken = () => issuer.mint({ cnf: { 'x5t#S256': client.thumbprint }, scope: 'accounts:read' })
/** nginx `proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;` */
const escaped = (certificate: TestCertificate) => encodeURIComponent(certificate.cert)
/** One Envoy XFCC element for `certificate`. */
const xfcc = (certificate: TestCertificate) =>
  `By=spiffe://cluster.local/ns/api/sa/api;Hash=${createHash('sha256').update(certificate.der).digest('hex')};Cert="${encodeURIComponent(certificate.cert)}";Subject="CN=${certificate === client ? 'client' : 'other'}"`

function expectRefused(reply: Reply, route: RouteCounter, before: number): void {
  expect(reply.status).toBe(401)
  expect(reply.json()).toMatchObject({ error: 'invalid_token' })
  expect(reply.headers['www-authenticate']).toContain('error="invalid_token"')
  expect(route.count).toBe(before)
}

async function start(express: ExpressFactory, options: Partial<ExpressGuardOptions>, tls = false) {
  const built = protectedApp(express, [guard({ issuer: issuer.issuer, audience: issuer.audience, ...options })])
  const server = await serve(built.app, tls ? serverCertificate : undefined)
  return { server, route: built.route, url: `${server.origin}/resource` }
}

describe.each(expressVersions)('certificates forwarded by a proxy on $name', ({ express }) => {
  describe('HTTP app behind an nginx-style proxy on loopback (trusted)', () => {
    let server: Served
    let route: RouteCounter
    let url: string
    beforeAll(async () => {
      ;({ server, route, url } = await start(express, { proxy: { trusted: ['loopback'], certificateHeader: 'x-ssl-client-cert' } }))
    })
    afterAll(() => server.close())

    it('the forwarded certificate the token is bound to → 200, binding on req.auth', async () => {
      const before = route.count
      const reply = await send(url, { headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': escaped(client) } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
      expect(route.count).toBe(before + 1)
    })

    it('another forwarded certificate → 401 invalid_token', async () => {
      const before = route.count
      const reply = await send(url, { headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': escaped(stranger) } })
      expectRefused(reply, route, before)
    })

    it('no certificate header, or Apache\'s "(null)" → 401 invalid_token', async () => {
      const before = route.count
      expectRefused(await send(url, { headers: { authorization: `Bearer ${await boundToken()}` } }), route, before)
      expectRefused(await send(url, { headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': '(null)' } }), route, before)
    })

    it('a double-encoded certificate → 401 invalid_token', async () => {
      const before = route.count
      const headers = { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': encodeURIComponent(escaped(client)) }
      expectRefused(await send(url, { headers }), route, before)
    })

    it('the header twice (the client\'s own and the proxy\'s) → 401, never judged on one of them', async () => {
      const before = route.count
      const headers = { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': [escaped(client), escaped(stranger)] }
      expectRefused(await send(url, { headers }), route, before)
    })

    it("nginx's deprecated multi-line $ssl_client_cert never reaches the guard: Node refuses the folded header (400)", async () => {
      const folded = client.cert.trimEnd().split('\n').join('\r\n\t')
      const raw = `GET /resource HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${await boundToken()}\r\nX-SSL-Client-Cert: ${folded}\r\nConnection: close\r\n\r\n`
      const before = route.count
      const reply = await sendRaw(server.port, raw)
      expect(reply.status).toBe(400)
      expect(route.count).toBe(before)
    })
  })

  it('the same app trusting only 10.0.0.0/8: the loopback client is not a trusted proxy, its header is ignored → 401', async () => {
    const { server, route } = await start(express, { proxy: { trusted: ['10.0.0.0/8'], certificateHeader: 'x-ssl-client-cert' } })
    try {
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': escaped(client) } })
      expectRefused(reply, route, 0)
    } finally {
      await server.close()
    }
  })

  it('without proxy.trusted every certificate header is ignored, whatever its name → 401', async () => {
    const { server, route } = await start(express, {})
    try {
      const headers = {
        authorization: `Bearer ${await boundToken()}`,
        'x-ssl-client-cert': escaped(client),
        'x-forwarded-client-cert': xfcc(client),
        'x-amzn-mtls-clientcert': escaped(client),
        'client-cert': `:${Buffer.from(client.der).toString('base64')}:`,
      }
      expectRefused(await send(`${server.origin}/resource`, { headers }), route, 0)
    } finally {
      await server.close()
    }
  })

  it('Envoy x-forwarded-client-cert: the element the nearest proxy appended (the last) counts', async () => {
    const { server, route, url } = await start(express, { proxy: { trusted: ['loopback'], certificateHeader: 'x-forwarded-client-cert' } })
    try {
      const token = await boundToken()
      const accepted = await send(url, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-client-cert': `${xfcc(stranger)},${xfcc(client)}` } })
      expect(accepted.status).toBe(200)
      expect(accepted.json()).toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
      expectRefused(await send(url, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-client-cert': `${xfcc(client)},${xfcc(stranger)}` } }), route, 1)
    } finally {
      await server.close()
    }
  })

  describe('HTTPS with a client certificate, from a trusted peer that also forwards one', () => {
    let server: Served
    let route: RouteCounter
    let url: string
    beforeAll(async () => {
      ;({ server, route, url } = await start(express, { proxy: { trusted: ['loopback'], certificateHeader: 'x-ssl-client-cert' } }, true))
    })
    afterAll(() => server.close())

    const tls = () => ({ cert: client.cert, key: client.key, ca: serverCertificate.cert })

    it('a forwarded certificate that differs from the TLS one → 401 invalid_token', async () => {
      const before = route.count
      const reply = await send(url, { ...tls(), headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': escaped(stranger) } })
      expectRefused(reply, route, before)
    })

    it('the same certificate in TLS and in the header → 200', async () => {
      const reply = await send(url, { ...tls(), headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': escaped(client) } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    })

    it('the TLS certificate alone → 200', async () => {
      const reply = await send(url, { ...tls(), headers: { authorization: `Bearer ${await boundToken()}` } })
      expect(reply.status).toBe(200)
    })

    it('a "(null)" header from the trusted peer means the client sent none: the TLS certificate does not stand in → 401', async () => {
      const before = route.count
      const reply = await send(url, { ...tls(), headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': '(null)' } })
      expectRefused(reply, route, before)
    })

    it('the right certificate forwarded over TLS by a client with another TLS certificate → 401', async () => {
      const before = route.count
      const reply = await send(url, {
        cert: stranger.cert,
        key: stranger.key,
        ca: serverCertificate.cert,
        headers: { authorization: `Bearer ${await boundToken()}`, 'x-ssl-client-cert': escaped(client) },
      })
      expectRefused(reply, route, before)
    })
  })
})
