import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard } from '@fapi-guard/express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { expressVersions } from './support/express-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

// What a request is answered is the contract table's (test/contract/cases.ts, Express 5 with app.use);
// here: guard() as per-route middleware on both Express majors, and where the AuthContext lands.
describe.each(expressVersions)('guard() on $name', ({ express }) => {
  async function start() {
    const { app, route } = protectedApp(express, [guard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })])
    const server = await serve(app)
    return { route, server, url: `${server.origin}/resource` }
  }

  it('lets a valid token through and puts the AuthContext on req.auth', async () => {
    const { route, server, url } = await start()
    try {
      const token = await issuer.mint({ scope: 'accounts:read openid', sub: 'alice', client_id: 'app-7' })
      const reply = await send(url, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({
        auth: { issuer: issuer.issuer, subject: 'alice', clientId: 'app-7', scopes: ['accounts:read', 'openid'], binding: {}, source: 'jwt', token },
      })
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('answers a refusal itself: the route never runs', async () => {
    const { route, server, url } = await start()
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
})

describe('guard() on a request object Node did not make', () => {
  it('refuses with 400 invalid_request when the request cannot even be read (no socket), and never calls the route', async () => {
    const issuer = await createLocalIssuer()
    try {
      const middleware = guard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })
      const sent: { status?: number; headers?: Record<string, string>; body?: unknown } = {}
      const res = {
        status(code: number) {
          sent.status = code
          return res
        },
        set(headers: Record<string, string>) {
          sent.headers = headers
          return res
        },
        send(body: unknown) {
          sent.body = body
          return res
        },
      }
      const nextCalls: unknown[] = []
      const req = { method: 'GET', url: '/resource', originalUrl: '/resource', headers: {} }
      middleware(req as never, res as never, (error?: unknown) => nextCalls.push(error))
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(sent.status).toBe(400)
      expect(sent.headers?.['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request", error_description="the request has no connection/)
      expect(nextCalls).toEqual([])
    } finally {
      await issuer.close()
    }
  })
})
