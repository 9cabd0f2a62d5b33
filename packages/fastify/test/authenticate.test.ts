import { createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import fapiGuard, { type GuardOptions } from '@fapi-guard/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteBody, type RouteCounter } from './support/apps.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const HOUR = 3_600_000

function plainBearer(extra: Partial<GuardOptions> = {}): GuardOptions {
  return { issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', ...extra }
}

describe('app.authenticate (fastify.inject)', () => {
  let app: FastifyInstance
  let route: RouteCounter
  beforeAll(async () => {
    ;({ app, route } = await protectedApp(plainBearer()))
  })
  afterAll(() => app.close())

  async function expectRefusal(headers: Record<string, string | string[]>, status: number, error: string | undefined, url = '/resource') {
    const before = route.count
    const reply = await app.inject({ method: 'GET', url, headers })
    expect(reply.statusCode).toBe(status)
    const challenge = reply.headers['www-authenticate']
    expect(challenge).toMatch(/^Bearer realm="api"/)
    if (error === undefined) expect(challenge).not.toContain('error=')
    else expect(challenge).toContain(`error="${error}"`)
    expect(reply.headers['content-type']).toMatch(/^application\/json/)
    expect(route.count).toBe(before)
    return reply
  }

  it('a valid token → 200, the AuthContext on request.auth', async () => {
    const before = route.count
    const token = await issuer.mint({ scope: 'accounts:read openid', sub: 'alice', client_id: 'app-7' })
    const reply = await app.inject({ method: 'GET', url: '/resource', headers: { authorization: `Bearer ${token}` } })
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toEqual<RouteBody>({
      issuer: issuer.issuer,
      subject: 'alice',
      clientId: 'app-7',
      scopes: ['accounts:read', 'openid'],
      binding: {},
      source: 'jwt',
    })
    expect(reply.headers['www-authenticate']).toBeUndefined()
    expect(route.count).toBe(before + 1)
  })

  it.each(['bearer', 'BEARER'])('takes the scheme case-insensitively (%s)', async (scheme) => {
    const reply = await app.inject({ method: 'GET', url: '/resource', headers: { authorization: `${scheme} ${await issuer.mint()}` } })
    expect(reply.statusCode).toBe(200)
  })

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

describe('app.authenticate: time, profile, outages', () => {
  it('an expired token → 401 invalid_token with { error, error_description } (clock injected)', async () => {
    const { app, route } = await protectedApp(plainBearer({ clock: () => Date.now() + HOUR }))
    try {
      const reply = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({}, { expiresIn: 300 })}` } })
      expect(reply.statusCode).toBe(401)
      const body = reply.json<Record<string, unknown>>()
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description'])
      expect(body.error).toBe('invalid_token')
      expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+"/)
      expect(route.count).toBe(0)
    } finally {
      await app.close()
    }
  })

  it('the default fapi2 profile refuses a token with no sender binding → 401 invalid_token', async () => {
    const { app, route } = await protectedApp({ issuer: issuer.issuer, audience: issuer.audience })
    try {
      const reply = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.statusCode).toBe(401)
      expect(reply.json()).toMatchObject({ error: 'invalid_token' })
      expect(route.count).toBe(0)
    } finally {
      await app.close()
    }
  })

  it('the key server being down fails closed: 503 with Retry-After, never open', async () => {
    const { app, route } = await protectedApp(plainBearer())
    issuer.down = true
    try {
      const reply = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.statusCode).toBe(503)
      expect(reply.headers['retry-after']).toEqual(expect.any(String))
      expect(reply.json()).toMatchObject({ error: 'temporarily_unavailable' })
      expect(route.count).toBe(0)
    } finally {
      issuer.down = false
      await app.close()
    }
  })

  it('authenticate twice on one request (global hook and route hook) verifies once: no DPoP replay', async () => {
    const app = Fastify()
    await app.register(fapiGuard, { issuer: issuer.issuer, audience: issuer.audience })
    app.addHook('onRequest', app.authenticate)
    let runs = 0
    app.get('/resource', { onRequest: app.authenticate }, async (request) => {
      runs++
      return { jkt: request.auth?.binding.dpop?.jkt }
    })
    app.get('/open', async (request) => ({ auth: request.auth }))
    const key = await createDPoPKey()
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    try {
      const proof = await createDPoPProof({ key, method: 'GET', url: 'http://localhost:80/resource', accessToken: token })
      const reply = await app.inject({ url: '/resource', headers: { authorization: `DPoP ${token}`, dpop: proof } })
      expect(reply.statusCode).toBe(200)
      expect(reply.json()).toEqual({ jkt: key.thumbprint })
      expect(runs).toBe(1)
    } finally {
      await app.close()
    }
  })
})

describe('request.auth', () => {
  it('is null on a route authenticate does not guard', async () => {
    const app = Fastify()
    await app.register(fapiGuard, { issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })
    app.get('/open', async (request) => ({ auth: request.auth }))
    try {
      const reply = await app.inject({ url: '/open', headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.statusCode).toBe(200)
      expect(reply.json()).toEqual({ auth: null })
    } finally {
      await app.close()
    }
  })
})
