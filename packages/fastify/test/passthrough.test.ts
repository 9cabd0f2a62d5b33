import { createGuard } from '@fapi-guard/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import fapiGuard, { type FastifyGuardOptions } from '@fapi-guard/fastify'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteBody, type RouteSetup } from './support/apps.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const HOUR = 3_600_000
const options = (extra: object = {}): FastifyGuardOptions => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', passthrough: true, ...extra })

async function register(pluginOptions: unknown): Promise<void> {
  const app = Fastify()
  try {
    await app.register(fapiGuard, pluginOptions as FastifyGuardOptions)
    await app.ready()
  } finally {
    await app.close()
  }
}

describe('passthrough option', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  it('goes beside the core options, or beside an existing guard', async () => {
    await expect(register({ ...base(), passthrough: true })).resolves.toBeUndefined()
    await expect(register({ guard: createGuard(base()), passthrough: true })).resolves.toBeUndefined()
  })

  it('must be a boolean', async () => {
    await expect(register({ ...base(), passthrough: 'yes' })).rejects.toThrow(new TypeError('fapi-guard: option "passthrough" must be a boolean'))
  })
})

// Optional authentication: no credentials → the handler runs with request.auth null; anything else is judged as usual.
describe('passthrough', () => {
  async function get(setup: RouteSetup, headers: Record<string, string> = {}, extra: object = {}) {
    const { app, route } = await protectedApp(options(extra), setup)
    try {
      const reply = await app.inject({ method: 'GET', url: '/resource', headers })
      return { reply, route }
    } finally {
      await app.close()
    }
  }

  it.each([
    ['no Authorization header', {}],
    ['a scheme the guard does not take (Basic)', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('%s → the handler runs with request.auth null, and no challenge is sent', async (_, headers) => {
    const { reply, route } = await get({}, headers)
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toEqual<RouteBody>({ anonymous: true })
    expect(reply.headers['www-authenticate']).toBeUndefined()
    expect(route.count).toBe(1)
  })

  it('a valid token → the handler runs with request.auth', async () => {
    const { reply } = await get({}, { authorization: `Bearer ${await issuer.mint({ sub: 'bob' })}` })
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({ subject: 'bob' })
  })

  it.each([
    ['a token that is not a JWT', () => Promise.resolve('Bearer not-a-jwt'), 401, 'invalid_token'],
    ['a malformed header', () => Promise.resolve('Bearer a b'), 400, 'invalid_request'],
    ['an expired token', async () => `Bearer ${await issuer.mint({}, { expiresIn: 300 })}`, 401, 'invalid_token'],
  ])('%s is still refused', async (_, authorization, status, error) => {
    const { reply, route } = await get({}, { authorization: await authorization() }, { clock: () => Date.now() + HOUR })
    expect(reply.statusCode).toBe(status)
    expect(reply.json()).toMatchObject({ error })
    expect(route.count).toBe(0)
  })

  it.each<[string, RouteSetup]>([
    ['route config scopes', { config: { scopes: ['accounts:read'] } }],
    ['app.requireScopes() after authenticate', { hooks: (app) => [app.requireScopes('accounts:read')] }],
    ['app.requireAuthentication() after authenticate', { hooks: (app) => [app.requireAuthentication({ maxAge: 60 })] }],
  ])('a route with requirements (%s) refuses a request without credentials with the 401 challenge', async (_, setup) => {
    const { reply, route } = await get(setup)
    expect(reply.statusCode).toBe(401)
    expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
    expect(reply.headers['www-authenticate']).not.toContain('error=')
    expect(reply.json()).toEqual({ error: 'unauthorized' })
    expect(route.count).toBe(0)
  })

  it('authenticate as a global hook and on the route: passes through once', async () => {
    const app = Fastify()
    await app.register(fapiGuard, options())
    app.addHook('onRequest', app.authenticate)
    let runs = 0
    app.get('/resource', { onRequest: app.authenticate }, async (request) => {
      runs++
      return { auth: request.auth }
    })
    try {
      const reply = await app.inject({ method: 'GET', url: '/resource' })
      expect(reply.statusCode).toBe(200)
      expect(reply.json()).toEqual({ auth: null })
      expect(runs).toBe(1)
    } finally {
      await app.close()
    }
  })
})
