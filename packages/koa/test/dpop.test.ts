import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import { guard, type KoaGuardOptions } from '@fapi-guard/koa'
import type { Middleware } from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteCounter } from './support/apps.js'
import { koaVersions, type KoaClass } from './support/koa-versions.js'
import { send, serve, type Served } from './support/http.js'

// DPoP (RFC 9449) through the adapter: the proof's `htu` is checked against the URL the client
// addressed (`ctx.originalUrl`, untouched by mounts), and a fresh `DPoP-Nonce` the core hands back on
// success must reach the client.

let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey('ES256')
})
afterAll(() => issuer.close())

/** What koa-mount does: strips the prefix from `ctx.path` for what follows (`ctx.originalUrl` keeps it). */
const mountAt =
  (prefix: string): Middleware =>
  async (ctx, next) => {
    if (!ctx.path.startsWith(`${prefix}/`)) return
    ctx.path = ctx.path.slice(prefix.length)
    await next()
  }

async function startMounted(Koa: KoaClass, options: Partial<KoaGuardOptions> = {}) {
  const { app, route } = protectedApp(Koa, [guard({ issuer: issuer.issuer, audience: issuer.audience, ...options })], [mountAt('/api')])
  const server = await serve(app.callback())
  return { server, route, url: `${server.origin}/api/resource?page=2` }
}

describe.each(koaVersions)('DPoP-bound tokens on $name', ({ Koa }) => {
  let server: Served
  let route: RouteCounter
  let url: string
  beforeAll(async () => {
    ;({ server, route, url } = await startMounted(Koa))
  })
  afterAll(() => server.close())

  const dpopHeaders = async (proofURL: string, token: string) => ({
    authorization: `DPoP ${token}`,
    dpop: await createDPoPProof({ key, method: 'GET', url: proofURL, accessToken: token }),
  })

  it('a proof for the URL as the client addressed it (mounted, with a query) → 200, binding on ctx.state.auth', async () => {
    const before = route.count
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const reply = await send(url, { headers: await dpopHeaders(url, token) })
    expect(reply.status).toBe(200)
    expect(reply.json()).toMatchObject({ binding: { dpop: { jkt: key.thumbprint } } })
    expect(route.count).toBe(before + 1)
  })

  it('a proof for another path → 401 invalid_dpop_proof in the DPoP challenge', async () => {
    const before = route.count
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const reply = await send(url, { headers: await dpopHeaders(`${server.origin}/resource`, token) })
    expect(reply.status).toBe(401)
    expect(reply.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    expect(reply.headers['www-authenticate']).toMatch(/DPoP error="invalid_dpop_proof"/)
    expect(route.count).toBe(before)
  })

  it('two DPoP headers → 400', async () => {
    const before = route.count
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const { authorization, dpop } = await dpopHeaders(url, token)
    const reply = await send(url, { headers: { authorization, dpop: [dpop, dpop] } })
    expect(reply.status).toBe(400)
    expect(route.count).toBe(before)
  })

  it('a replayed proof → 401 invalid_dpop_proof', async () => {
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const headers = await dpopHeaders(url, token)
    expect((await send(url, { headers })).status).toBe(200)
    const before = route.count
    const replay = await send(url, { headers })
    expect(replay.status).toBe(401)
    expect(replay.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    expect(route.count).toBe(before)
  })

  it('server nonces: 401 use_dpop_nonce with DPoP-Nonce, then 200; a renewed nonce is sent on success', async () => {
    const STEP = 60_000
    let now = Math.floor(Date.now() / STEP) * STEP + 1_000 // at the start of a nonce time step
    const mounted = await startMounted(Koa, { clock: () => now, dpop: { nonce: { secret: 's'.repeat(32), lifetime: STEP / 1000 } } })
    try {
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } }, { now: Math.floor(now / 1000), expiresIn: 3600 })
      const proof = (nonce?: string) =>
        createDPoPProof({ key, method: 'GET', url: mounted.url, accessToken: token, iat: Math.floor(now / 1000), ...(nonce !== undefined && { nonce }) })

      const first = await send(mounted.url, { headers: { authorization: `DPoP ${token}`, dpop: await proof() } })
      expect(first.status).toBe(401)
      expect(first.json()).toMatchObject({ error: 'use_dpop_nonce' })
      expect(first.headers['www-authenticate']).toMatch(/DPoP error="use_dpop_nonce"/)
      const nonce = first.headers['dpop-nonce']
      expect(nonce).toEqual(expect.any(String))
      expect(mounted.route.count).toBe(0)

      const second = await send(mounted.url, { headers: { authorization: `DPoP ${token}`, dpop: await proof(nonce as string) } })
      expect(second.status).toBe(200)
      expect(second.headers['dpop-nonce']).toBeUndefined()

      now += STEP + 10_000 // the next time step: the nonce is still good, and renewed on success
      const third = await send(mounted.url, { headers: { authorization: `DPoP ${token}`, dpop: await proof(nonce as string) } })
      expect(third.status).toBe(200)
      expect(third.headers['dpop-nonce']).toEqual(expect.any(String))
      expect(third.headers['dpop-nonce']).not.toBe(nonce)
      expect(mounted.route.count).toBe(2)
    } finally {
      await mounted.server.close()
    }
  })
})
