// The FAPI example of packages/testing/README.md, run as a test (readme.test.ts checks the README still shows exactly this).
// #region readme
import { guard, requireScopes } from '@fapi-guard/express'
import { createDPoPProof, createFapiAuthorizationServer, createTestCertificate, send, serve } from '@fapi-guard/testing'
import express from 'express'
import request from 'supertest'
import { afterAll, expect, test } from 'vitest'

// oidc-provider as a FAPI 2.0 / FAPI 1.0 Advanced authorization server, over HTTPS on 127.0.0.1
const as = await createFapiAuthorizationServer({ audience: 'https://api.example.test' })
afterAll(() => as.close())

const app = express() // your API; `fetch: as.fetch` lets the guard discover the keys (it trusts the AS's certificate)
app.get('/accounts', guard({ issuer: as.issuer, audience: as.audience, fetch: as.fetch }), requireScopes('accounts:read'), (req, res) => {
  res.json({ owner: req.auth?.subject })
})

test('a DPoP-bound token from the FAPI 2.0 code flow (PAR, PKCE, private_key_jwt)', async () => {
  const client = await as.registerClient({ profile: 'fapi2', binding: 'dpop' })
  const { accessToken, dpopKey } = await client.authorize({ scope: 'accounts:read' }) // consent is granted automatically
  if (dpopKey === undefined) throw new Error('a DPoP client gets its key back')
  const proof = await createDPoPProof(dpopKey, { method: 'GET', url: 'http://api.test/accounts', accessToken })

  const ok = await request(app).get('/accounts').set({ host: 'api.test', authorization: `DPoP ${accessToken}`, dpop: proof })
  expect(ok.status).toBe(200)
  expect(ok.body).toEqual({ owner: 'alice' })
})

test('a certificate-bound token from FAPI 1.0 Advanced (JAR by PAR, JARM, tls_client_auth)', async () => {
  const client = await as.registerClient({ profile: 'fapi1-advanced', authentication: 'tls_client_auth' })
  const { accessToken, certificate } = await client.authorize({ onStage: ({ stage, detail }) => console.log(stage, detail) })
  const tls = createTestCertificate('localhost')
  const api = await serve(app, tls) // HTTPS, client certificates requested
  try {
    const url = `${api.origin}/accounts`
    const headers = { authorization: `Bearer ${accessToken}` }
    expect((await send(url, { ca: tls.cert, cert: certificate.cert, key: certificate.key, headers })).status).toBe(200)
    expect((await send(url, { ca: tls.cert, headers })).status).toBe(401) // without its certificate
  } finally {
    await api.close()
  }
})
// #endregion readme
