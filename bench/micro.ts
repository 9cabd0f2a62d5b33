/**
 * Micro benchmarks, one process, one run: fapi-guard core against the node:crypto floor and jose 6.
 * Run with `npm run bench`. Figures are medians (p50) and p99 of per-call latency in microseconds.
 */
import { createHash, createPublicKey, verify as nodeVerify, randomUUID } from 'node:crypto'
import { Bench } from 'tinybench'
import { EmbeddedJWK, calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT, createLocalJWKSet, type JWK } from 'jose'
import { createGuard as createNodeGuard } from '../packages/core/src/node/index.js'
import { createGuard as createWebGuard } from '../packages/core/src/index.js'

const ISSUER = 'https://as.example.test'
const AUDIENCE = 'https://api.example.test'
const URL_ = 'https://api.example.test/accounts'

async function main(): Promise<void> {
  const as = await generateKeyPair('ES256')
  const asJwk: JWK = { ...(await exportJWK(as.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  const jwks = { keys: [asJwk] }
  const client = await generateKeyPair('ES256')
  const clientJwk = await exportJWK(client.publicKey)
  const jkt = await calculateJwkThumbprint(clientJwk, 'sha256')

  const mint = async (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ sub: 'u', client_id: 'c', jti: randomUUID(), scope: 'a', ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + 3600)
      .sign(as.privateKey)
  }
  const proofFor = (token: string) =>
    new SignJWT({ jti: randomUUID(), htm: 'GET', htu: URL_, iat: Math.floor(Date.now() / 1000), ath: createHash('sha256').update(token).digest('base64url') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: clientJwk })
      .sign(client.privateKey)

  // Pre-generate inputs so signing is not measured.
  const N = 3000
  const PROOFS = 25_000
  const dpopToken = await mint({ cnf: { jkt } })
  const proofs = await Promise.all(Array.from({ length: PROOFS }, () => proofFor(dpopToken)))
  const bearerTokens = await Promise.all(Array.from({ length: N }, () => mint()))

  const nodeGuard = createNodeGuard({ issuer: ISSUER, audience: AUDIENCE, jwks })
  const webGuard = createWebGuard({ issuer: ISSUER, audience: AUDIENCE, jwks })
  const bearerGuard = createNodeGuard({ issuer: ISSUER, audience: AUDIENCE, jwks, profile: 'oauth2' })
  const localJwks = createLocalJWKSet(jwks)
  const asKeyObject = createPublicKey({ key: asJwk as import('node:crypto').JsonWebKey, format: 'jwk' })

  // The floor: node:crypto verification of the same two signatures with keys already imported, plus thumbprint and hashes.
  const handWritten = (token: string, proof: string) => {
    const [h, p, s] = token.split('.') as [string, string, string]
    if (!nodeVerify('sha256', Buffer.from(`${h}.${p}`), { key: asKeyObject, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('token')
    const [ph, pp, ps] = proof.split('.') as [string, string, string]
    const header = JSON.parse(Buffer.from(ph, 'base64url').toString())
    JSON.parse(Buffer.from(pp, 'base64url').toString())
    const key = createPublicKey({ key: header.jwk, format: 'jwk' })
    if (!nodeVerify('sha256', Buffer.from(`${ph}.${pp}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(ps, 'base64url'))) throw new Error('proof')
    createHash('sha256').update(JSON.stringify({ crv: header.jwk.crv, kty: header.jwk.kty, x: header.jwk.x, y: header.jwk.y })).digest('base64url')
    createHash('sha256').update(token).digest('base64url')
  }

  let i = 0
  const next = () => (i = (i + 1) % N)
  // Each guard remembers used proofs (replay protection), so every DPoP task walks the proofs once.
  const proofCursor = () => {
    let at = 0
    return () => proofs[at++ % PROOFS] as string
  }
  const nodeProof = proofCursor()
  const webProof = proofCursor()
  const request = (token: string, proof?: string) => ({
    method: 'GET',
    url: URL_,
    headers: proof === undefined ? { authorization: `Bearer ${token}` } : { authorization: `DPoP ${token}`, dpop: proof },
  })

  const bench = new Bench({ time: 1500, warmup: true, warmupTime: 300 })
  bench
    .add('floor: node:crypto, token + proof, hand-written', () => handWritten(dpopToken, proofs[next()] as string))
    .add('jose 6: jwtVerify(token) + jwtVerify(proof, EmbeddedJWK)', async () => {
      const proof = proofs[next()] as string
      await jwtVerify(dpopToken, localJwks, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: ['ES256'] })
      await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] })
    })
    .add('fapi-guard (node:crypto): DPoP request', async () => {
      await nodeGuard.verify(request(dpopToken, nodeProof()))
    })
    .add('fapi-guard (web crypto): DPoP request', async () => {
      await webGuard.verify(request(dpopToken, webProof()))
    })
    .add('node:crypto floor: bearer ES256 verify', () => {
      const [h, p, s] = (bearerTokens[next()] as string).split('.') as [string, string, string]
      nodeVerify('sha256', Buffer.from(`${h}.${p}`), { key: asKeyObject, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))
    })
    .add('jose 6: jwtVerify bearer ES256', async () => {
      await jwtVerify(bearerTokens[next()] as string, localJwks, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' })
    })
    .add('fapi-guard (node:crypto): bearer ES256', async () => {
      await bearerGuard.verify(request(bearerTokens[next()] as string))
    })

  await bench.run()
  const rows = bench.tasks.map((task) => {
    const result = task.result as { latency: { p50?: number; p99?: number }; throughput: { mean: number } } | undefined
    return {
      task: task.name,
      'p50 µs': result?.latency.p50 === undefined ? 'n/a' : (result.latency.p50 * 1000).toFixed(1),
      'p99 µs': result?.latency.p99 === undefined ? 'n/a' : (result.latency.p99 * 1000).toFixed(1),
      'ops/s': result === undefined ? 'n/a' : Math.round(result.throughput.mean),
    }
  })
  console.table(rows)
}

void main()
