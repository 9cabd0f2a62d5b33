import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import { guard, type ExpressGuardOptions } from '@fapi-guard/express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp, type RouteCounter } from './support/apps.js'
import { expressVersions, type ExpressFactory } from './support/express-versions.js'
import { send, serve, type Served } from './support/http.js'

// DPoP (RFC 9449) through a mounted router, on Express 4 and 5: the proof's `htu` is checked against
// the URL the client addressed (`originalUrl`, mount path and query). Proof checks, replay and server
// nonces are the contract table's (test/contract/cases.ts), run through every adapter.

let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey('ES256')
})
afterAll(() => issuer.close())

async function startMounted(express: ExpressFactory, options: Partial<ExpressGuardOptions> = {}) {
  const { app: inner, route } = protectedApp(express, [guard({ issuer: issuer.issuer, audience: issuer.audience, ...options })])
  const app = express()
  app.use('/api', inner)
  const server = await serve(app)
  return { server, route, url: `${server.origin}/api/resource?page=2` }
}

describe.each(expressVersions)('DPoP-bound tokens on $name', ({ express }) => {
  let server: Served
  let route: RouteCounter
  let url: string
  beforeAll(async () => {
    ;({ server, route, url } = await startMounted(express))
  })
  afterAll(() => server.close())

  const dpopHeaders = async (proofURL: string, token: string) => ({
    authorization: `DPoP ${token}`,
    dpop: await createDPoPProof({ key, method: 'GET', url: proofURL, accessToken: token }),
  })

  it('a proof for the URL as the client addressed it (mounted router, query) → 200', async () => {
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
