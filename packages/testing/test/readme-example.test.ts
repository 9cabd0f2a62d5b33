// The example of packages/testing/README.md, run as a test (readme.test.ts checks the README still shows exactly this).
// #region readme
import { guard, requireScopes } from '@fapi-guard/express'
import { createDPoPKey, createDPoPProof, createTestIssuer } from '@fapi-guard/testing'
import express from 'express'
import request from 'supertest'
import { afterAll, expect, test } from 'vitest'

const issuer = await createTestIssuer() // keys, JWKS, discovery metadata, introspection, on 127.0.0.1
afterAll(() => issuer.close())

const app = express() // your API
app.get('/accounts', guard({ issuer: issuer.issuer, audience: issuer.audience }), requireScopes('accounts:read'), (req, res) => {
  res.json({ owner: req.auth?.subject })
})

test('GET /accounts takes a DPoP-bound token with its proof, once', async () => {
  const key = await createDPoPKey()
  const token = await issuer.mintAccessToken({ sub: 'alice', scope: 'accounts:read' }, { dpopKey: key })
  const proof = await createDPoPProof(key, { method: 'GET', url: 'http://api.test/accounts', accessToken: token })
  const headers = { host: 'api.test', authorization: `DPoP ${token}`, dpop: proof }

  const ok = await request(app).get('/accounts').set(headers)
  expect(ok.status).toBe(200)
  expect(ok.body).toEqual({ owner: 'alice' })

  const replayed = await request(app).get('/accounts').set(headers)
  expect(replayed.status).toBe(401)
  expect(replayed.headers['www-authenticate']).toContain('error="invalid_dpop_proof"')
})
// #endregion readme

test('the same route refuses a token without its scope (403) and one bound to another key (401)', async () => {
  const key = await createDPoPKey()
  const narrow = await issuer.mintAccessToken({ scope: 'profile' }, { dpopKey: key })
  const proof = await createDPoPProof(key, { method: 'GET', url: 'http://api.test/accounts', accessToken: narrow })
  const refused = await request(app).get('/accounts').set({ host: 'api.test', authorization: `DPoP ${narrow}`, dpop: proof })
  expect(refused.status).toBe(403)
  expect(refused.headers['www-authenticate']).toContain('scope="accounts:read"')

  const thief = await createDPoPKey()
  const token = await issuer.mintAccessToken({ scope: 'accounts:read' }, { dpopKey: key })
  const stolen = await createDPoPProof(thief, { method: 'GET', url: 'http://api.test/accounts', accessToken: token })
  const response = await request(app).get('/accounts').set({ host: 'api.test', authorization: `DPoP ${token}`, dpop: stolen })
  expect(response.status).toBe(401)
  expect(response.headers['www-authenticate']).toContain('error="invalid_token"')
})
