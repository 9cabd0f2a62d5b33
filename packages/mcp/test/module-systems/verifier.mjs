// ESM: @fapi-guard/mcp and the SDK's requireBearerAuth both imported. With `--mixed`, the verifier
// comes from the CommonJS build instead: the dual-package hazard this package avoids (the SDK's
// requireBearerAuth does not recognize the other copy's InvalidTokenError and answers 500).
import { generateKeyPairSync } from 'node:crypto'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import express from 'express'
import * as esm from '@fapi-guard/mcp'
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js'

const { createTokenVerifier } = process.argv.includes('--mixed') ? createRequire(import.meta.url)('@fapi-guard/mcp') : esm
const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
const app = express()
const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
const resource = `http://127.0.0.1:${server.address().port}/mcp`
const verifier = createTokenVerifier({ issuer: 'https://issuer.example', jwks: { keys: [{ ...jwk, kid: 'k', alg: 'ES256' }] }, resource })
app.post('/mcp', requireBearerAuth({ verifier }), (_req, res) => res.json({ ok: true }))
const response = await fetch(resource, { method: 'POST', headers: { authorization: 'Bearer garbage' } })
console.log(JSON.stringify({ status: response.status, challenge: response.headers.get('www-authenticate') }))
server.close()
