import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { GuardOptions } from '@fapi-guard/fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'

// DPoP (RFC 9449) through the plugin, where Fastify's own idiom matters: with `rewriteUrl`, the proof's
// `htu` is checked against the URL the client addressed. Proof checks, replay and server nonces are the
// contract table's (test/contract/cases.ts), run through every adapter.

let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey('ES256')
})
afterAll(() => issuer.close())

async function start(options: Partial<GuardOptions> = {}, rewriteUrl?: (url: string) => string) {
  return protectedApp(
    { issuer: issuer.issuer, audience: issuer.audience, ...options },
    {},
    rewriteUrl === undefined ? {} : { rewriteUrl: (req) => rewriteUrl(req.url ?? '/') },
  )
}

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
