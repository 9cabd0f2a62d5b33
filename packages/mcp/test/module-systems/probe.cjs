// One request through requireBearerAuth({ verifier: createTokenVerifier(...) }) on a real Express
// server, with whichever copies (ESM or CommonJS) the calling script loaded: prints the status and challenge.
const { generateKeyPairSync } = require('node:crypto')
const { once } = require('node:events')

exports.probe = async function probe({ express, createTokenVerifier, requireBearerAuth }) {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
  const app = express()
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    const resource = `http://127.0.0.1:${server.address().port}/mcp`
    const verifier = createTokenVerifier({ issuer: 'https://issuer.example', jwks: { keys: [{ ...jwk, kid: 'k', alg: 'ES256' }] }, resource })
    app.post('/mcp', requireBearerAuth({ verifier }), (_req, res) => res.json({ ok: true }))
    const response = await fetch(resource, { method: 'POST', headers: { authorization: 'Bearer garbage' } })
    console.log(JSON.stringify({ status: response.status, challenge: response.headers.get('www-authenticate') }))
  } finally {
    server.close()
  }
}
