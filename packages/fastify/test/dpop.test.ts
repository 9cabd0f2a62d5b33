import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { GuardOptions } from '@fapi-guard/fastify'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteCounter } from './support/apps.js'

// DPoP (RFC 9449) through the plugin, with fastify.inject: the proof's `htu` is checked against the
// URL the client addressed, and a fresh `DPoP-Nonce` the core hands back on success reaches the client.

let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey('ES256')
})
afterAll(() => issuer.close())

const URL = 'http://api.example.test/resource?page=2'

async function start(options: Partial<GuardOptions> = {}, rewriteUrl?: (url: string) => string) {
  return protectedApp(
    { issuer: issuer.issuer, audience: issuer.audience, ...options },
    {},
    rewriteUrl === undefined ? {} : { rewriteUrl: (req) => rewriteUrl(req.url ?? '/') },
  )
}

describe('DPoP-bound tokens (fastify.inject)', () => {
  let app: FastifyInstance
  let route: RouteCounter
  beforeAll(async () => {
    ;({ app, route } = await start())
  })
  afterAll(() => app.close())

  const dpopHeaders = async (proofURL: string, token: string) => ({
    authorization: `DPoP ${token}`,
    dpop: await createDPoPProof({ key, method: 'GET', url: proofURL, accessToken: token }),
  })

  it('a valid proof → 200, the binding on request.auth', async () => {
    const before = route.count
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const reply = await app.inject({ method: 'GET', url: URL, headers: await dpopHeaders(URL, token) })
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({ binding: { dpop: { jkt: key.thumbprint } } })
    expect(route.count).toBe(before + 1)
  })

  it('a replayed proof → 401 invalid_dpop_proof; the handler does not run again', async () => {
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const headers = await dpopHeaders(URL, token)
    expect((await app.inject({ method: 'GET', url: URL, headers })).statusCode).toBe(200)
    const before = route.count
    const replay = await app.inject({ method: 'GET', url: URL, headers })
    expect(replay.statusCode).toBe(401)
    expect(replay.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    expect(replay.headers['www-authenticate']).toMatch(/DPoP error="invalid_dpop_proof"/)
    expect(route.count).toBe(before)
  })

  it('a proof for another URL → 401 invalid_dpop_proof', async () => {
    const before = route.count
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const reply = await app.inject({ method: 'GET', url: URL, headers: await dpopHeaders('http://api.example.test/other', token) })
    expect(reply.statusCode).toBe(401)
    expect(reply.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    expect(route.count).toBe(before)
  })

  it('a DPoP-bound token sent as Bearer → 401 invalid_token', async () => {
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const reply = await app.inject({ method: 'GET', url: URL, headers: { authorization: `Bearer ${token}` } })
    expect(reply.statusCode).toBe(401)
    expect(reply.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('two DPoP headers → 400', async () => {
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const { authorization, dpop } = await dpopHeaders(URL, token)
    const reply = await app.inject({ method: 'GET', url: URL, headers: { authorization, dpop: [dpop, dpop] } })
    expect(reply.statusCode).toBe(400)
  })
})

describe('DPoP server nonces (fastify.inject)', () => {
  it('401 use_dpop_nonce with DPoP-Nonce, then 200; a renewed nonce reaches the client on success', async () => {
    const STEP = 60_000
    let now = Math.floor(Date.now() / STEP) * STEP + 1_000 // at the start of a nonce time step
    const { app, route } = await start({ clock: () => now, dpop: { nonce: { secret: 's'.repeat(32), lifetime: STEP / 1000 } } })
    try {
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } }, { now: Math.floor(now / 1000), expiresIn: 3600 })
      const proof = (nonce?: string) =>
        createDPoPProof({ key, method: 'GET', url: URL, accessToken: token, iat: Math.floor(now / 1000), ...(nonce !== undefined && { nonce }) })

      const first = await app.inject({ url: URL, headers: { authorization: `DPoP ${token}`, dpop: await proof() } })
      expect(first.statusCode).toBe(401)
      expect(first.json()).toMatchObject({ error: 'use_dpop_nonce' })
      expect(first.headers['www-authenticate']).toMatch(/DPoP error="use_dpop_nonce"/)
      const nonce = first.headers['dpop-nonce']
      expect(nonce).toEqual(expect.any(String))
      expect(route.count).toBe(0)

      const second = await app.inject({ url: URL, headers: { authorization: `DPoP ${token}`, dpop: await proof(nonce as string) } })
      expect(second.statusCode).toBe(200)
      expect(second.headers['dpop-nonce']).toBeUndefined()

      now += STEP + 10_000 // the next time step: the nonce is still good, and renewed on success
      const third = await app.inject({ url: URL, headers: { authorization: `DPoP ${token}`, dpop: await proof(nonce as string) } })
      expect(third.statusCode).toBe(200)
      expect(third.headers['dpop-nonce']).toEqual(expect.any(String))
      expect(third.headers['dpop-nonce']).not.toBe(nonce)
      expect(route.count).toBe(2)
    } finally {
      await app.close()
    }
  })
})

describe('rewriteUrl', () => {
  it('checks htu against the URL the client sent, not the rewritten one', async () => {
    const { app, route } = await start({}, (url) => url.replace(/^\/v1\//, '/'))
    try {
      const clientURL = 'http://api.example.test/v1/resource'
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const proof = await createDPoPProof({ key, method: 'GET', url: clientURL, accessToken: token })
      const reply = await app.inject({ url: clientURL, headers: { authorization: `DPoP ${token}`, dpop: proof } })
      expect(reply.statusCode).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await app.close()
    }
  })
})
