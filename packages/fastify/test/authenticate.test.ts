import { createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import fapiGuard, { type GuardOptions } from '@fapi-guard/fastify'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

function plainBearer(extra: Partial<GuardOptions> = {}): GuardOptions {
  return { issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', ...extra }
}

// What a request is answered is the contract table's (test/contract/cases.ts, on a real HTTPS server);
// here: where the AuthContext lands, and authenticate as a hook (twice on one request, or not at all).
describe('app.authenticate', () => {
  it('a valid token → 200, the AuthContext on request.auth', async () => {
    const { app, route } = await protectedApp(plainBearer())
    try {
      const token = await issuer.mint({ scope: 'accounts:read openid', sub: 'alice', client_id: 'app-7' })
      const reply = await app.inject({ method: 'GET', url: '/resource', headers: { authorization: `Bearer ${token}` } })
      expect(reply.statusCode).toBe(200)
      expect(reply.json()).toMatchObject({
        auth: { issuer: issuer.issuer, subject: 'alice', clientId: 'app-7', scopes: ['accounts:read', 'openid'], binding: {}, source: 'jwt', token },
      })
      expect(reply.headers['www-authenticate']).toBeUndefined()
      expect(route.count).toBe(1)
    } finally {
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
