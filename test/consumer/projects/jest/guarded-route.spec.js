// Jest (30, CommonJS, its defaults): a guarded Express route tested the way a NestJS or Express
// project tests one. Jest's module registry loads CommonJS only; nothing here may reach an ES module.
const { guard, requireScopes } = require('@fapi-guard/express')
const { createDPoPKey, createDPoPProof, createTestIssuer } = require('@fapi-guard/testing')
const express = require('express')

let issuer
let server
let base

beforeAll(async () => {
  issuer = await createTestIssuer()
  const app = express()
  app.get('/accounts', guard({ issuer: issuer.issuer, audience: issuer.audience }), requireScopes('accounts:read'), (req, res) => {
    res.json({ owner: req.auth && req.auth.subject })
  })
  server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${server.address().port}`
})

afterAll(async () => {
  server.close()
  await issuer.close()
})

test('GET /accounts takes a DPoP-bound token with its proof, once', async () => {
  const key = await createDPoPKey()
  const token = await issuer.mintAccessToken({ sub: 'alice', scope: 'accounts:read' }, { dpopKey: key })
  const proof = await createDPoPProof(key, { method: 'GET', url: `${base}/accounts`, accessToken: token })
  const headers = { authorization: `DPoP ${token}`, dpop: proof }

  const ok = await fetch(`${base}/accounts`, { headers })
  expect(ok.status).toBe(200)
  expect(await ok.json()).toEqual({ owner: 'alice' })

  const replayed = await fetch(`${base}/accounts`, { headers })
  expect(replayed.status).toBe(401)
  expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"')
})

test('GET /accounts without a token is refused with a challenge', async () => {
  const none = await fetch(`${base}/accounts`)
  expect(none.status).toBe(401)
  expect(none.headers.get('www-authenticate')).toMatch(/^DPoP|^Bearer/)
})
