import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, type KoaGuardOptions } from '@fapi-guard/koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteBody } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
import { send, sendRaw, serve, type Served } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const HOUR = 3_600_000

describe.each(koaVersions)('guard() on $name', ({ Koa }) => {
  function plainBearer(extra: Partial<KoaGuardOptions> = {}): KoaGuardOptions {
    return { issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', ...extra }
  }

  async function start(extra: Partial<KoaGuardOptions> = {}) {
    const { app, route } = protectedApp(Koa, [guard(plainBearer(extra))])
    const server = await serve(app.callback())
    return { route, server, url: `${server.origin}/resource` }
  }

  it('lets a valid token through and puts the AuthContext on ctx.state.auth', async () => {
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
      expect(reply.headers['www-authenticate']).toBeUndefined()
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
    let server: Served
    let route: { count: number }
    beforeAll(async () => {
      ;({ server, route } = await start())
    })
    afterAll(() => server.close())

    async function expectRefusal(headers: Record<string, string | string[]>, status: number, error: string | undefined, path = '/resource') {
      const before = route.count
      const reply = await send(`${server.origin}${path}`, { headers })
      expect(reply.status).toBe(status)
      const challenge = reply.headers['www-authenticate']
      expect(challenge).toMatch(/^Bearer realm="api"/)
      if (error === undefined) expect(challenge).not.toContain('error=')
      else expect(challenge).toContain(`error="${error}"`)
      expect(reply.headers['content-type']).toMatch(/^application\/json/)
      expect(route.count).toBe(before)
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
    ])('malformed Authorization (%s) → 400 invalid_request', async (_, authorization) => {
      const reply = await expectRefusal({ authorization }, 400, 'invalid_request')
      expect(reply.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) })
    })

    it('two Authorization headers (array header value) → 400 invalid_request', async () => {
      const token = await issuer.mint()
      const reply = await expectRefusal({ authorization: [`Bearer ${token}`, `Bearer ${token}`] }, 400, 'invalid_request')
      expect(reply.json()).toEqual({ error: 'invalid_request', error_description: 'the request has more than one Authorization header' })
    })

    it('two Authorization headers on a raw socket → 400 invalid_request, even when the first one is valid', async () => {
      const token = await issuer.mint()
      const before = route.count
      const { status, text } = await sendRaw(
        server.port,
        `GET /resource HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer other\r\nConnection: close\r\n\r\n`,
      )
      expect(status).toBe(400)
      expect(text).toContain('"error":"invalid_request"')
      expect(route.count).toBe(before)
    })

    it('a query access_token beside the header → 400 invalid_request', async () => {
      const token = await issuer.mint()
      await expectRefusal({ authorization: `Bearer ${token}` }, 400, 'invalid_request', `/resource?access_token=${token}`)
    })

    it('a token that is not a JWT → 401 invalid_token', async () => {
      await expectRefusal({ authorization: 'Bearer not-a-jwt' }, 401, 'invalid_token')
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
      expect(reply.headers['www-authenticate']).not.toContain('error_description')
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('a guard-wide scope the token lacks → 403 insufficient_scope with scope="…"', async () => {
    const { route, server, url } = await start({ scopes: ['accounts:read'] })
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'openid' })}` } })
      expect(reply.status).toBe(403)
      expect(reply.headers['www-authenticate']).toContain('error="insufficient_scope"')
      expect(reply.headers['www-authenticate']).toContain('scope="accounts:read"')
      expect(reply.json()).toMatchObject({ error: 'insufficient_scope' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('the default fapi2 profile refuses a token with no sender binding → 401 invalid_token', async () => {
    const { app, route } = protectedApp(Koa, [guard({ issuer: issuer.issuer, audience: issuer.audience })])
    const server = await serve(app.callback())
    try {
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(401)
      expect(reply.json()).toMatchObject({ error: 'invalid_token' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('the key server being down fails closed: 503 with Retry-After, never open', async () => {
    const { route, server, url } = await start()
    issuer.down = true
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(503)
      expect(reply.headers['retry-after']).toEqual(expect.any(String))
      expect(reply.json()).toMatchObject({ error: 'temporarily_unavailable' })
      expect(route.count).toBe(0)
    } finally {
      issuer.down = false
      await server.close()
    }
  })
})
