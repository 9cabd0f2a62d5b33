// CommonJS: @fapi-guard/mcp and the SDK's requireBearerAuth both loaded with require().
const { generateKeyPairSync } = require('node:crypto')
const { once } = require('node:events')
const express = require('express')
const { createTokenVerifier } = require('@fapi-guard/mcp')
const { requireBearerAuth } = require('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js')

async function main() {
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
}
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
