/**
 * The node:crypto backend verifies on the calling thread while its event loop has time to spare and on
 * libuv's thread pool once it is busy. Both ways must give the same answer for every algorithm and
 * every kind of bad signature, and a guard must decide the same either way.
 */
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { createDPoPKey, createDPoPProof, createLocalIssuer } from '@fapi-guard/testing'
import { describe, expect, it } from 'vitest'
import { createGuardWith } from '../../src/pipeline/guard.js'
import { webCryptoBackend } from '../../src/keys/crypto-backend.js'
import { adaptiveOffload, createNodeCryptoBackend, eventLoopBusy, fixedOffload } from '../../src/node/node-crypto-backend.js'
import { createGuard } from '../../src/node/index.js'

const data = new TextEncoder().encode('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0')

interface Case {
  readonly alg: string
  readonly publicKey: KeyObject
  sign(input: Uint8Array): Uint8Array
}

function cases(): Case[] {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ed = generateKeyPairSync('ed25519')
  return [
    { alg: 'ES256', publicKey: ec.publicKey, sign: (input) => sign('sha256', input, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }) },
    { alg: 'ES384', publicKey: ec384.publicKey, sign: (input) => sign('sha384', input, { key: ec384.privateKey, dsaEncoding: 'ieee-p1363' }) },
    { alg: 'RS256', publicKey: rsa.publicKey, sign: (input) => sign('sha256', input, rsa.privateKey) },
    { alg: 'PS256', publicKey: rsa.publicKey, sign: (input) => sign('sha256', input, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }) },
    { alg: 'EdDSA', publicKey: ed.publicKey, sign: (input) => sign(null, input, ed.privateKey) },
  ]
}

const modes = [
  { name: 'calling thread', offload: fixedOffload(false), answers: 'boolean' },
  { name: 'thread pool', offload: fixedOffload(true), answers: 'object' },
]

describe.each(modes)('node:crypto backend verify ($name)', ({ offload, answers }) => {
  const backend = createNodeCryptoBackend(offload)

  it.each(cases())('$alg: a good signature verifies; a changed one, a short one, or one over other data does not', async ({ alg, publicKey, sign: signWith }) => {
    const key = await backend.importKey(publicKey.export({ format: 'jwk' }), alg)
    const signature = signWith(data)
    const verify = (sig: Uint8Array, over = data) => Promise.resolve(backend.verify(alg, key, sig, over))
    await expect(verify(signature)).resolves.toBe(true)
    // At once on the calling thread; a promise when the thread pool does the work.
    expect(typeof backend.verify(alg, key, signature, data)).toBe(answers)
    const flipped = Uint8Array.from(signature)
    flipped[5] = (flipped[5] as number) ^ 1
    await expect(verify(flipped)).resolves.toBe(false)
    await expect(verify(signature.subarray(1))).resolves.toBe(false)
    await expect(verify(new Uint8Array(0))).resolves.toBe(false)
    await expect(verify(signature, new TextEncoder().encode('other data'))).resolves.toBe(false)
  })

  it('a key crypto.verify cannot use at all answers false, never throws or rejects', async () => {
    const unusable = { verifyKey: 'not a key', signatureLength: 64 }
    await expect(Promise.resolve(backend.verify('ES256', unusable, new Uint8Array(64), data))).resolves.toBe(false)
  })

  it('a key of the wrong type for the algorithm answers false, never throws', async () => {
    const [ec, , rsa] = cases() as [Case, Case, Case]
    const rsaKey = await backend.importKey(rsa.publicKey.export({ format: 'jwk' }), 'RS256')
    await expect(Promise.resolve(backend.verify('ES256', rsaKey, ec.sign(data), data))).resolves.toBe(false)
  })

  it('a guard accepts and refuses the same requests (bearer and DPoP)', async () => {
    const issuer = await createLocalIssuer()
    try {
      const guard = createGuardWith({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, profile: 'oauth2' }, backend)
      const url = 'https://api.example.test/accounts'
      const token = await issuer.mint({ scope: 'read' })
      await expect(guard.verify({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).resolves.toMatchObject({ scopes: ['read'] })
      const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`
      await expect(guard.verify({ method: 'GET', url, headers: { authorization: `Bearer ${forged}` } })).rejects.toMatchObject({ status: 401 })
      const client = await createDPoPKey()
      const bound = await issuer.mint({ cnf: { jkt: client.thumbprint } })
      const proof = await createDPoPProof({ key: client, method: 'GET', url, accessToken: bound })
      await expect(guard.verify({ method: 'GET', url, headers: { authorization: `DPoP ${bound}`, dpop: proof } })).resolves.toMatchObject({ binding: { dpop: { jkt: client.thumbprint } } })
      const thief = await createDPoPKey()
      const stolen = await createDPoPProof({ key: thief, method: 'GET', url, accessToken: bound })
      await expect(guard.verify({ method: 'GET', url, headers: { authorization: `DPoP ${bound}`, dpop: stolen } })).rejects.toMatchObject({ code: 'ERR_DPOP_KEY_MISMATCH' })
    } finally {
      await issuer.close()
    }
  })
})

describe.each([
  { name: 'node:crypto, calling thread', backend: createNodeCryptoBackend(fixedOffload(false)) },
  { name: 'node:crypto, thread pool', backend: createNodeCryptoBackend(fixedOffload(true)) },
  { name: 'web crypto', backend: webCryptoBackend },
])('RSA signatures are exactly the modulus length ($name)', ({ backend }) => {
  // RFC 8017 §8.1.2 / §8.2.2 step 1. OpenSSL left-pads a short signature, so a signature whose first
  // octet is zero would also verify without it: a second spelling of the same token.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = rsa.publicKey.export({ format: 'jwk' })

  it.each(['PS256', 'RS256'])('%s: a signature starting with a zero octet verifies whole and is refused without that octet', async (alg) => {
    let signature: Uint8Array | undefined
    let input = data
    for (let i = 0; signature === undefined; i++) {
      input = new TextEncoder().encode(`eyJhbGciOiJQUzI1NiJ9.${i}`)
      const candidate = alg === 'PS256'
        ? sign('sha256', input, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
        : sign('sha256', input, rsa.privateKey)
      if (candidate[0] === 0) signature = candidate
    }
    const key = await backend.importKey(jwk, alg)
    await expect(Promise.resolve(backend.verify(alg, key, signature, input))).resolves.toBe(true)
    await expect(Promise.resolve(backend.verify(alg, key, signature.subarray(1), input))).resolves.toBe(false)
    const padded = new Uint8Array(signature.length + 1)
    padded.set(signature, 1)
    await expect(Promise.resolve(backend.verify(alg, key, padded, input))).resolves.toBe(false)
  })
})

describe('eventLoopBusy', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const spin = (ms: number) => {
    const until = performance.now() + ms
    while (performance.now() < until) {
      // the event loop is kept working
    }
  }

  it('reports busy after a window spent working, and idle again after one spent waiting', async () => {
    const busy = eventLoopBusy()
    expect(busy()).toBe(false)
    spin(150)
    expect(busy()).toBe(true)
    // Within the window the answer stands.
    expect(busy()).toBe(true)
    await sleep(150)
    expect(busy()).toBe(false)
  })
})

describe('adaptiveOffload', () => {
  it('keeps signatures on the calling thread while the event loop is not busy', () => {
    const policy = adaptiveOffload(() => false)
    for (let i = 0; i < 20; i++) expect(policy.offload()).toBe(false)
  })

  it('offloads while busy and the work overlaps; a caller awaiting one at a time gets the calling thread, and the pool is tried again a second later', () => {
    let now = 0
    const policy = adaptiveOffload(() => true, () => now)
    for (let i = 0; i < 50; i++) {
      expect(policy.offload()).toBe(true)
      policy.settled(true)
    }
    for (let i = 0; i < 8; i++) {
      expect(policy.offload()).toBe(true)
      policy.settled(false)
    }
    expect(policy.offload()).toBe(false)
    now += 999
    expect(policy.offload()).toBe(false)
    now += 2
    expect(policy.offload()).toBe(true)
    policy.settled(true)
    expect(policy.offload()).toBe(true)
  })

  it('the backend tells the policy whether another verification began while one was on the pool', async () => {
    const company: boolean[] = []
    const backend = createNodeCryptoBackend({ offload: () => true, settled: (value) => company.push(value) })
    const [ec] = cases() as [Case]
    const key = await backend.importKey(ec.publicKey.export({ format: 'jwk' }), 'ES256')
    const signature = ec.sign(data)
    await backend.verify('ES256', key, signature, data)
    expect(company).toEqual([false])
    await Promise.all([backend.verify('ES256', key, signature, data), backend.verify('ES256', key, signature, data)])
    // The first of the two saw the second begin; nothing began after the second. The pool's two
    // threads may finish them in either order, so which report comes first is not fixed.
    expect(company.slice(1).sort()).toEqual([false, true])
  })
})

describe('offloadSignatures', () => {
  it.each(['auto', true, false] as const)('%s: the Node guard verifies the same way', async (offloadSignatures) => {
    const issuer = await createLocalIssuer()
    try {
      const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, profile: 'oauth2', offloadSignatures })
      const url = 'https://api.example.test/accounts'
      await expect(guard.verify({ method: 'GET', url, headers: { authorization: `Bearer ${await issuer.mint()}` } })).resolves.toMatchObject({ source: 'jwt' })
    } finally {
      await issuer.close()
    }
  })

  it('anything else is a TypeError naming the option', () => {
    for (const offloadSignatures of ['yes', 1, null, {}]) {
      expect(() => createGuard({ issuer: 'https://as.example', audience: 'api', jwks: { keys: [] }, offloadSignatures: offloadSignatures as never })).toThrow(/offloadSignatures/)
    }
  })
})
