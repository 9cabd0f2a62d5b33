import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import { guard, type KoaGuardOptions } from '@fapi-guard/koa'
import type { Middleware } from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteCounter } from './support/apps.js'
import { koaVersions, type KoaClass } from './support/koa-versions.js'
import { send, serve, type Served } from './support/http.js'

// DPoP (RFC 9449) through the adapter: the proof's `htu` is checked against the URL the client
// addressed (`ctx.originalUrl`, untouched by mounts), on Koa 2 and 3. Proof checks, replay and server
// nonces are the contract table's (test/contract/cases.ts), run through every adapter.

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
    expect(reply.json()).toMatchObject({ auth: { binding: { dpop: { jkt: key.thumbprint } } } })
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
})
