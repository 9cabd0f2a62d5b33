import { createGuard, type Guard, type RequestLike } from '@fapi-guard/core'
import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { guard } from '@fapi-guard/express'
import { X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { expressVersions } from './support/express-versions.js'
import { send, sendRaw, serve } from './support/http.js'

let issuer: LocalIssuer
let serverCertificate: TestCertificate
let client: TestCertificate
beforeAll(async () => {
  issuer = await createLocalIssuer()
  serverCertificate = createTestCertificate('localhost')
  client = createTestCertificate('client')
})
afterAll(() => issuer.close())

/** A real core guard that also remembers every RequestLike the adapter built. */
function recordingGuard(): { guard: Guard; seen: RequestLike[] } {
  const core = createGuard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })
  const seen: RequestLike[] = []
  return {
    seen,
    guard: {
      verify: (request, options) => {
        seen.push({ ...(request as RequestLike) })
        return core.verify(request, options)
      },
      requireScopes: (auth, scopes) => core.requireScopes(auth, scopes),
      authorize: (auth, requirements) => core.authorize(auth, requirements),
      toGuardError: (error) => core.toGuardError(error),
      metadata: () => core.metadata(),
      metadataPath: core.metadataPath,
      ready: () => core.ready(),
    },
  }
}

describe.each(expressVersions)('the RequestLike built on $name', ({ express }) => {
  it('HTTP: method, absolute URL from Host and the original URL, headers kept apart, no certificate', async () => {
    const recorder = recordingGuard()
    const app = express()
    const router = express.Router()
    router.get('/resource', guard(recorder.guard), (_req, res) => {
      res.json({ ok: true })
    })
    app.use('/api', router)
    const server = await serve(app)
    try {
      const reply = await send(`${server.origin}/api/resource?x=1&y=%20`, {
        headers: { authorization: `Bearer ${await issuer.mint()}`, dpop: ['first', 'second'] },
      })
      expect(reply.status).toBe(200)
      const [request] = recorder.seen
      expect(request?.method).toBe('GET')
      expect(request?.url).toBe(`http://127.0.0.1:${server.port}/api/resource?x=1&y=%20`)
      const headers = request?.headers as Record<string, string[] | undefined>
      expect(headers.dpop).toEqual(['first', 'second'])
      expect(headers.authorization).toHaveLength(1)
      expect(request?.clientCertificate).toBeUndefined()
      expect(request?.peerAddress).toBe('127.0.0.1')
    } finally {
      await server.close()
    }
  })

  it('HTTP/1.0 without Host: the socket’s local address stands in', async () => {
    const recorder = recordingGuard()
    const { app } = protectedApp(express, [guard(recorder.guard)])
    const server = await serve(app)
    try {
      const { status } = await sendRaw(server.port, `GET /resource?q=1 HTTP/1.0\r\nAuthorization: Bearer ${await issuer.mint()}\r\n\r\n`)
      expect(status).toBe(200)
      expect(recorder.seen[0]?.url).toBe(`http://127.0.0.1:${server.port}/resource?q=1`)
    } finally {
      await server.close()
    }
  })

  it('an absolute-form target names the authority (RFC 9112 §3.2.2), on the connection’s scheme; a Host naming another is refused', async () => {
    const recorder = recordingGuard()
    const { app } = protectedApp(express, [guard(recorder.guard)])
    const server = await serve(app)
    try {
      const send = async (host: string) =>
        sendRaw(
          server.port,
          `GET http://api.example.test/resource?q=1 HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${await issuer.mint()}\r\nConnection: close\r\n\r\n`,
        )
      expect((await send('api.example.test')).status).toBe(200)
      expect(recorder.seen[0]?.url).toBe('http://api.example.test/resource?q=1')
      // RFC 9112 §3.2.2 lets a server ignore such a Host; we refuse it, as issue 14 asks (HOST-18).
      expect((await send('other.example')).status).toBe(400)
    } finally {
      await server.close()
    }
  })

  it('X-Forwarded-* headers are not read by the adapter (the core judges them, by peerAddress)', async () => {
    const recorder = recordingGuard()
    const { app } = protectedApp(express, [guard(recorder.guard)])
    const server = await serve(app)
    try {
      await send(`${server.origin}/resource`, {
        headers: {
          authorization: `Bearer ${await issuer.mint()}`,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'evil.example',
        },
      })
      expect(recorder.seen[0]?.url).toBe(`http://127.0.0.1:${server.port}/resource`)
    } finally {
      await server.close()
    }
  })

  it('HTTPS: https URL and the client certificate’s DER; none when the client sends none', async () => {
    const recorder = recordingGuard()
    const { app } = protectedApp(express, [guard(recorder.guard)])
    const server = await serve(app, serverCertificate)
    try {
      const token = await issuer.mint()
      await send(`${server.origin}/resource`, {
        headers: { authorization: `Bearer ${token}` },
        cert: client.cert,
        key: client.key,
        ca: serverCertificate.cert,
      })
      await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${token}` }, ca: serverCertificate.cert })
      const [withCertificate, without] = recorder.seen
      expect(withCertificate?.url).toBe(`https://127.0.0.1:${server.port}/resource`)
      const der = withCertificate?.clientCertificate
      expect(der).toBeInstanceOf(Uint8Array)
      expect(new X509Certificate(der as Uint8Array).fingerprint256).toBe(new X509Certificate(client.cert).fingerprint256)
      expect(without?.clientCertificate).toBeUndefined()
    } finally {
      await server.close()
    }
  })
})
