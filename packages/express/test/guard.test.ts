import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard } from '@fapi-guard/express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteBody } from './support/apps.js'
import { expressVersions } from './support/express-versions.js'
import { send, sendRaw, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const HOUR = 3_600_000

describe.each(expressVersions)('guard() on $name', ({ express }) => {
  function plainBearer(extra: Record<string, unknown> = {}) {
    return { issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const, ...extra }
  }

  async function start(extra: Record<string, unknown> = {}) {
    const { app, route } = protectedApp(express, [guard(plainBearer(extra))])
    const server = await serve(app)
    return { route, server, url: `${server.origin}/resource` }
  }

  it('lets a valid token through and puts the AuthContext on req.auth', async () => {
    const { route, server, url } = await start()
    try {
      const token = await issuer.mint({ scope: 'accounts:read openid', sub: 'alice', client_id: 'app-7' })
      const reply = await send(url, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual<RouteBody>({
        issuer: issuer.issuer,
        subject: 'alice',
        clientId: 'app-7',
        scopes: ['accounts:read', 'openid'],
        binding: {},
        source: 'jwt',
      })
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it.each(['bearer', 'BEARER', 'BeArEr'])('takes the scheme case-insensitively (%s)', async (scheme) => {
    const { route, server, url } = await start()
    try {
      const reply = await send(url, { headers: { authorization: `${scheme} ${await issuer.mint()}` } })
      expect(reply.status).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  describe('refusals (the route never runs)', () => {
    let server: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      server = await start()
    })
    afterAll(() => server.server.close())

    async function expectRefusal(
      headers: Record<string, string | string[]>,
      status: number,
      error: string | undefined,
      path = '/resource',
    ) {
      const before = server.route.count
      const reply = await send(`${server.server.origin}${path}`, { headers })
      expect(reply.status).toBe(status)
      const challenge = reply.headers['www-authenticate']
      expect(challenge).toMatch(/^Bearer realm="api"/)
      if (error === undefined) expect(challenge).not.toContain('error=')
      else expect(challenge).toContain(`error="${error}"`)
      expect(reply.headers['content-type']).toMatch(/^application\/json/)
      expect(server.route.count).toBe(before)
      return reply
    }

    it('no credentials → 401 with a challenge and no error', async () => {
      const reply = await expectRefusal({}, 401, undefined)
      expect(reply.json()).toEqual({ error: 'unauthorized' })
    })

    it('a scheme the guard does not take → 401 with no error', async () => {
      await expectRefusal({ authorization: 'Basic dXNlcjpwYXNz' }, 401, undefined)
    })

    it.each([
      ['no token after the scheme', 'Bearer'],
      ['not token68', 'Bearer a b'],
      ['a comma in the token', 'Bearer abc,def'],
      ['a bad scheme token', 'Bear@er abc'],
    ])('malformed Authorization (%s) → 400 invalid_request', async (_, authorization) => {
      const reply = await expectRefusal({ authorization }, 400, 'invalid_request')
      expect(reply.json()).toMatchObject({ error: 'invalid_request' })
    })

    it('two Authorization headers (array header value) → 400 invalid_request', async () => {
      const token = await issuer.mint()
      const reply = await expectRefusal({ authorization: [`Bearer ${token}`, `Bearer ${token}`] }, 400, 'invalid_request')
      expect(reply.json()).toEqual({ error: 'invalid_request', error_description: 'the request has more than one Authorization header' })
    })

    it('two Authorization headers on a raw socket → 400 invalid_request, even when the first one is valid', async () => {
      const token = await issuer.mint()
      const before = server.route.count
      const { status, text } = await sendRaw(
        server.server.port,
        `GET /resource HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer other\r\nConnection: close\r\n\r\n`,
      )
      expect(status).toBe(400)
      expect(text).toContain('"error":"invalid_request"')
      expect(server.route.count).toBe(before)
    })

    it('a query access_token beside the header → 400 invalid_request', async () => {
      const token = await issuer.mint()
      await expectRefusal({ authorization: `Bearer ${token}` }, 400, 'invalid_request', `/resource?access_token=${token}`)
    })

    it('a query access_token alone is no credential → 401 with no error', async () => {
      const token = await issuer.mint()
      await expectRefusal({}, 401, undefined, `/resource?access_token=${token}`)
    })

    it('a token that is not a JWT → 401 invalid_token', async () => {
      await expectRefusal({ authorization: 'Bearer not-a-jwt' }, 401, 'invalid_token')
    })

    it('a tampered signature → 401 invalid_token', async () => {
      const token = await issuer.mint()
      const [header, payload] = token.split('.')
      await expectRefusal({ authorization: `Bearer ${header}.${payload}.${'A'.repeat(86)}` }, 401, 'invalid_token')
    })

    it('a token for another audience → 401 invalid_token', async () => {
      await expectRefusal({ authorization: `Bearer ${await issuer.mint({ aud: 'https://other.example' })}` }, 401, 'invalid_token')
    })
  })

  it('an expired token → 401 invalid_token with { error, error_description } (clock injected)', async () => {
    const { route, server, url } = await start({ clock: () => Date.now() + HOUR })
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint({}, { expiresIn: 300 })}` } })
      expect(reply.status).toBe(401)
      const body = reply.json() as Record<string, unknown>
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description'])
      expect(body.error).toBe('invalid_token')
      expect(body.error_description).toEqual(expect.any(String))
      expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+"/)
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('errorDescriptions: false hides the description in body and challenge', async () => {
    const { route, server, url } = await start({ clock: () => Date.now() + HOUR, errorDescriptions: false })
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(401)
      expect(reply.json()).toEqual({ error: 'invalid_token' })
      expect(reply.headers['www-authenticate']).toContain('error="invalid_token"')
      expect(reply.headers['www-authenticate']).not.toContain('error_description')
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('the default fapi2 profile refuses a token with no sender binding → 401 invalid_token', async () => {
    const { app, route } = protectedApp(express, [guard({ issuer: issuer.issuer, audience: issuer.audience })])
    const server = await serve(app)
    try {
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(401)
      expect(reply.json()).toMatchObject({ error: 'invalid_token' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('the key server being down fails closed (503), never open', async () => {
    const { route, server, url } = await start()
    issuer.down = true
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(503)
      expect(route.count).toBe(0)
    } finally {
      issuer.down = false
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
