// Run by readiness-and-causes.test.ts (DIAG-05) in a child process, with and without NODE_DEBUG=fapi-guard.
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, exportJWK } from 'jose'
import { createGuard } from '../../src/node/index.js'

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }
const guard = createGuard({ issuer: 'https://as.example.com', jwks: { keys: [jwk] }, audience: 'https://rs.example.com', profile: 'oauth2' })
const token = await new SignJWT({ sub: 'user', client_id: 'client' })
  .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'at+jwt' })
  .setIssuer('https://evil.example')
  .setAudience('https://rs.example.com')
  .setIssuedAt()
  .setExpirationTime('5m')
  .sign(privateKey)
await guard.verify({ method: 'GET', url: 'https://rs.example.com/x', headers: { authorization: `Bearer ${token}` } }).catch(() => {})
