import { createGuard } from '@fapi-guard/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import fapiGuard, { type FastifyGuardOptions } from '@fapi-guard/fastify'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteSetup } from './support/apps.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())
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

// Optional authentication: no credentials → the handler runs with request.auth null. What any other request
// is answered (credentials verified in full, route requirements) is the contract table's (PASS-*).
describe('passthrough', () => {
  async function get(setup: RouteSetup) {
    const { app, route } = await protectedApp(options(), setup)
    try {
      const reply = await app.inject({ method: 'GET', url: '/resource' })
      return { reply, route }
    } finally {
      await app.close()
    }
  }

  it('no credentials → the handler runs with request.auth null, and no challenge is sent', async () => {
    const { reply, route } = await get({})
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toEqual({ auth: null })
    expect(reply.headers['www-authenticate']).toBeUndefined()
    expect(route.count).toBe(1)
  })

  // Route config scopes and the requireAuthentication()/requireClaims() hooks: the contract table (PASS-15, PASS-17, PASS-18).
  it('a route with app.requireScopes() after authenticate refuses a request without credentials with the 401 challenge', async () => {
    const { reply, route } = await get({ hooks: (app) => [app.requireScopes('accounts:read')] })
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
