/**
 * Issue 14, class 4: keys that anyone can sign for. KEY-xx rows, each on both entry points
 * (node:crypto and Web Crypto), for issuer keys (a token through `guard.verify`) and DPoP proof keys
 * alike. Where a signature can be made without the private key (Ed25519 small-order points, RSA with
 * e = 1) the row builds it and shows OpenSSL accepts it; the guard must refuse the key before import.
 */
import { createPublicKey, generateKeyPairSync, verify, type JsonWebKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { backends } from '../support/backends.js'
import { boundToken, guardOptions, invalidProof, proofClaims } from '../support/dpop-kit.js'
import { b64u, nodeSigner, segment } from '../support/jws.js'
import { createKeyServer, type KeyServer } from '../support/key-server.js'
import {
  evenModulusKey,
  forgeEd25519Message,
  rsaKeyWithExponent,
  signRSA,
  smallOrderKeys,
  type ChosenExponentKey,
} from '../support/weak-keys.js'
import { NOW, TestClock, requestLike, expectRefusal, invalidToken } from '../support/kit.js'

const RS = 'https://rs.example.com/'

let server: KeyServer
let issuer: LocalIssuer
let routes = 0
beforeAll(async () => {
  server = await createKeyServer()
  issuer = await createLocalIssuer({ algorithms: ['ES256'] })
})
afterAll(async () => {
  await server.close()
  await issuer.close()
})

// ---------------------------------------------------------------------------------------------------
// The keys of the class, built once and shared by both backends.

const SMALL_ORDER = smallOrderKeys().map(({ label, bytes }) => ({ label, x: b64u(bytes), bytes }))

/** RSA exponents refused (2^16 < e < 2^33 and odd are kept: see check-key-strength.ts). */
const REFUSED_EXPONENTS = [
  { label: 'e = 1 (the signature is the padded message itself)', e: 1n },
  { label: 'e = 2 (even: Rabin)', e: 2n },
  { label: 'e = 3', e: 3n },
  { label: 'e = 65535 (odd, below 65537)', e: 65535n },
  { label: 'e = 65538 (even)', e: 65538n },
  { label: 'e = 2^32 + 3 (odd, above 2^32 + 1)', e: 2n ** 32n + 3n },
]

const rsaKeys = new Map<bigint, ChosenExponentKey>()
function rsaKey(e: bigint): ChosenExponentKey {
  let key = rsaKeys.get(e)
  if (key === undefined) {
    key = rsaKeyWithExponent(e)
    rsaKeys.set(e, key)
  }
  return key
}
let evenKey: ChosenExponentKey | undefined

/** Signs `make(i).input` with a chosen-exponent key, trying messages until one can be signed (even exponents). */
function signSomeMessage<T extends { input: string }>(key: ChosenExponentKey, alg: 'RS256' | 'PS256', make: (attempt: number) => T) {
  for (let attempt = 0; attempt < 64; attempt++) {
    const candidate = make(attempt)
    const signature = signRSA(key, alg, candidate.input)
    if (signature !== undefined) return { ...candidate, signature }
  }
  throw new Error('no message could be signed')
}

/** OpenSSL's own answer for a signature: what "today" trusted. */
/**
 * OpenSSL 3.0 (Node 20 and 22) verifies the small-order Ed25519 forgeries below; the OpenSSL of Node 24
 * and later refuses such keys itself. The guard must refuse them on every runtime, whatever the
 * backend's library does, so only the demonstration that the forgery is real depends on the version.
 */
const OPENSSL_VERIFIES_SMALL_ORDER = process.versions.openssl.startsWith('3.0.')

function opensslAccepts(jwk: object, alg: string, input: string, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
  if (alg === 'EdDSA') return verify(null, Buffer.from(input), key, signature)
  if (alg === 'PS256') return verify('sha256', Buffer.from(input), { key, padding: 6, saltLength: 32 }, signature)
  if (alg.startsWith('ES')) return verify(`sha${alg.slice(2)}`, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature)
  return verify('sha256', Buffer.from(input), key, signature)
}

/** EC keys with a defect in their public point, and a real signature by the original key. */
const CURVES = [
  { crv: 'P-256', namedCurve: 'prime256v1', alg: 'ES256', hash: 'sha256', p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n, size: 32 },
  { crv: 'P-384', namedCurve: 'secp384r1', alg: 'ES384', hash: 'sha384', p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n, size: 48 },
  { crv: 'P-521', namedCurve: 'secp521r1', alg: 'ES512', hash: 'sha512', p: 2n ** 521n - 1n, size: 66 },
] as const
type Curve = (typeof CURVES)[number]
const big = (value: string) => BigInt(`0x${Buffer.from(value, 'base64url').toString('hex')}`)
const coordinate = (value: bigint, size: number) => Buffer.from(value.toString(16).padStart(size * 2, '0'), 'hex').toString('base64url')
const EC_DEFECTS = [
  { defect: 'y + 1: not on the curve', change: (jwk: JsonWebKey, c: Curve) => ({ ...jwk, y: coordinate((big(jwk.y as string) + 1n) % c.p, c.size) }) },
  { defect: '(0, 0)', change: (jwk: JsonWebKey, c: Curve) => ({ ...jwk, x: coordinate(0n, c.size), y: coordinate(0n, c.size) }) },
  { defect: 'y + p: not a field element', change: (jwk: JsonWebKey, c: Curve) => ({ ...jwk, y: coordinate(big(jwk.y as string) + c.p, c.size + 1) }) },
  {
    defect: 'a leading zero octet on x and y (RFC 7518 §6.2.1.2: the full size, no more)',
    change: (jwk: JsonWebKey) => ({ ...jwk, x: b64u(Buffer.concat([Buffer.alloc(1), Buffer.from(jwk.x as string, 'base64url')])), y: b64u(Buffer.concat([Buffer.alloc(1), Buffer.from(jwk.y as string, 'base64url')])) }),
  },
]
const EC_ROWS = CURVES.flatMap((curve) => EC_DEFECTS.map((row) => ({ ...row, curve, label: `${curve.crv}, ${row.defect}` })))
const ecKeys = new Map<string, KeyObject>()
function ecPrivateKey(curve: Curve): KeyObject {
  let key = ecKeys.get(curve.crv)
  if (key === undefined) {
    key = generateKeyPairSync('ec', { namedCurve: curve.namedCurve }).privateKey
    ecKeys.set(curve.crv, key)
  }
  return key
}

// ---------------------------------------------------------------------------------------------------

describe.each(backends)('KEY: keys that anyone can sign for ($name)', ({ createGuard }) => {
  const clock = new TestClock()

  /** A guard on a key set of our own (`keys`, served at a fresh path), issuer = the server's origin, oauth2 profile. */
  function issuerGuard(keys: object[]) {
    const path = `/jwks/${++routes}`
    server.route(path, { body: { keys } })
    return createGuard({ issuer: server.origin, jwksUri: server.url(path), audience: RS, profile: 'oauth2', clock: new TestClock().now })
  }
  const claims = (jti: string) => ({ iss: server.origin, aud: RS, sub: 'user-1', client_id: 'client-1', iat: NOW, exp: NOW + 300, jti })
  /** A token's signing input with `kid` "weak", one `jti` per attempt. */
  const accessToken = (alg: string) => (attempt: number) => {
    const input = `${segment({ alg, typ: 'at+jwt', kid: 'weak' })}.${segment(claims(`forged-${attempt}`))}`
    return { input }
  }

  /** A DPoP guard on the local issuer, a token bound to `jwk`, and a proof's signing input, one `jti` per attempt. */
  async function dpopSetup(jwk: object, alg: string, profile: 'fapi2' | 'oauth2' = 'fapi2') {
    const guard = createGuard(guardOptions(issuer, clock, { profile }))
    const token = await boundToken(issuer, clock, await calculateJwkThumbprint(jwk as JWK, 'sha256'))
    const proof = (attempt: number) => ({
      input: `${segment({ typ: 'dpop+jwt', alg, jwk })}.${segment(proofClaims(token, clock.seconds, { jti: `forged-${attempt}` }))}`,
    })
    return { guard, token, proof }
  }

  it.each(SMALL_ORDER)('KEY-01 an issuer Ed25519 key of small order ($label) is refused; its forged token is not trusted', async ({ x, bytes }) => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x }
    const forged = forgeEd25519Message(bytes, accessToken('EdDSA'))
    if (OPENSSL_VERIFIES_SMALL_ORDER) expect(opensslAccepts(jwk, 'EdDSA', forged.input, forged.signature)).toBe(true)
    const guard = issuerGuard([{ ...jwk, kid: 'weak' }])
    const error = await expectRefusal(guard.verify(requestLike({ token: `${forged.input}.${b64u(forged.signature)}` })), invalidToken('ERR_JWT_KEY_TOO_WEAK'))
    expect(error.description).toMatch(/Ed25519 key is (a small-order point|not canonically encoded)/)
  })

  it.each(SMALL_ORDER)('KEY-02 a DPoP proof key of small order ($label) is refused; its forged proof is not trusted', async ({ x, bytes }) => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x }
    const { guard, token, proof } = await dpopSetup(jwk, 'EdDSA')
    const forged = forgeEd25519Message(bytes, proof)
    if (OPENSSL_VERIFIES_SMALL_ORDER) expect(opensslAccepts(jwk, 'EdDSA', forged.input, forged.signature)).toBe(true)
    const error = await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token, proof: `${forged.input}.${b64u(forged.signature)}` })), invalidProof('ERR_DPOP_JWK_INVALID'))
    expect(error.description).toMatch(/Ed25519 key is (a small-order point|not canonically encoded)/)
  })

  it.each(REFUSED_EXPONENTS)('KEY-03 an issuer RSA key with $label is refused, for RS256 and PS256 tokens signed under it', async ({ e }) => {
    const key = rsaKey(e)
    const guard = issuerGuard([{ ...key.jwk, kid: 'weak' }])
    for (const alg of ['RS256', 'PS256'] as const) {
      const signed = signSomeMessage(key, alg, accessToken(alg))
      expect(opensslAccepts(key.jwk, alg, signed.input, signed.signature)).toBe(true)
      const error = await expectRefusal(guard.verify(requestLike({ token: `${signed.input}.${b64u(signed.signature)}` })), invalidToken('ERR_JWT_KEY_TOO_WEAK'))
      expect(error.description).toContain('RSA public exponent')
    }
  })

  it.each(REFUSED_EXPONENTS)('KEY-04 a DPoP proof RSA key with $label is refused, its PS256 proof not trusted', async ({ e }) => {
    const key = rsaKey(e)
    const { guard, token, proof } = await dpopSetup(key.jwk, 'PS256')
    const signed = signSomeMessage(key, 'PS256', proof)
    expect(opensslAccepts(key.jwk, 'PS256', signed.input, signed.signature)).toBe(true)
    const error = await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token, proof: `${signed.input}.${b64u(signed.signature)}` })), invalidProof('ERR_DPOP_JWK_INVALID'))
    expect(error.description).toContain('RSA public exponent')
  })

  it('KEY-05 an RSA key with an even modulus is refused as such, for the issuer and in a DPoP proof', async () => {
    evenKey ??= evenModulusKey()
    const key = evenKey
    const guard = issuerGuard([{ ...key.jwk, kid: 'weak' }])
    const signed = signSomeMessage(key, 'PS256', accessToken('PS256'))
    const error = await expectRefusal(guard.verify(requestLike({ token: `${signed.input}.${b64u(signed.signature)}` })), invalidToken('ERR_JWT_KEY_TOO_WEAK'))
    expect(error.description).toContain('RSA modulus is even')
    const dpop = await dpopSetup(key.jwk, 'PS256')
    const proof = signSomeMessage(key, 'PS256', dpop.proof)
    const proofError = await expectRefusal(dpop.guard.verify(requestLike({ scheme: 'DPoP', token: dpop.token, proof: `${proof.input}.${b64u(proof.signature)}` })), invalidProof('ERR_DPOP_JWK_INVALID'))
    expect(proofError.description).toContain('RSA modulus is even')
  })

  it('KEY-10 an RSA key over 8192 bits is refused before its (costly) signature is checked, for the issuer and in a DPoP proof', async () => {
    // An odd 8200-bit modulus with e = 65537: refused on its length alone, so it need not be a real key.
    const modulus = new Uint8Array(1025).fill(0xab)
    modulus[0] = 0x80
    const jwk = { kty: 'RSA', n: b64u(modulus), e: 'AQAB' }
    const guard = issuerGuard([{ ...jwk, kid: 'weak' }])
    const input = accessToken('PS256')(0).input
    const error = await expectRefusal(guard.verify(requestLike({ token: `${input}.${b64u(new Uint8Array(1025))}` })), invalidToken('ERR_JWT_KEY_TOO_WEAK'))
    expect(error.description).toContain('longer than 8192 bits')
    const dpop = await dpopSetup(jwk, 'PS256')
    const proofError = await expectRefusal(dpop.guard.verify(requestLike({ scheme: 'DPoP', token: dpop.token, proof: `${dpop.proof(0).input}.${b64u(new Uint8Array(1025))}` })), invalidProof('ERR_DPOP_JWK_INVALID'))
    expect(proofError.description).toContain('longer than 8192 bits')
  })

  it.each(EC_ROWS)('KEY-06 an issuer EC key that is not a canonical point of its curve ($label) is refused before import', async ({ curve, change }) => {
    const privateKey = ecPrivateKey(curve)
    const jwk = change(createPublicKey(privateKey).export({ format: 'jwk' }), curve)
    const guard = issuerGuard([{ ...jwk, kid: 'weak' }])
    const token = `${accessToken(curve.alg)(0).input}.${b64u(await nodeSigner(curve.hash, privateKey)(accessToken(curve.alg)(0).input))}`
    const error = await expectRefusal(guard.verify(requestLike({ token: token })), invalidToken('ERR_JWT_KEY_TOO_WEAK'))
    expect(error.description).toMatch(new RegExp(`not a point on ${curve.crv}|is not ${curve.size} octets`))
  })

  it.each(EC_ROWS)('KEY-07 a DPoP proof EC key that is not a canonical point of its curve ($label) is refused before import', async ({ curve, change }) => {
    const privateKey = ecPrivateKey(curve)
    const jwk = change(createPublicKey(privateKey).export({ format: 'jwk' }), curve)
    // ES384 and ES512 proofs only under the oauth2 profile (FAPI 2.0 allows ES256 of the three).
    const dpop = await dpopSetup(jwk, curve.alg, curve.alg === 'ES256' ? 'fapi2' : 'oauth2')
    const input = dpop.proof(0).input
    const proof = `${input}.${b64u(await nodeSigner(curve.hash, privateKey)(input))}`
    const { challenge: _algs, ...expected } = invalidProof('ERR_DPOP_JWK_INVALID') // its algs differ under oauth2
    const error = await expectRefusal(dpop.guard.verify(requestLike({ scheme: 'DPoP', token: dpop.token, proof })), expected)
    expect(error.description).toMatch(new RegExp(`not a point on ${curve.crv}|is not ${curve.size} octets`))
  })

  it.each([
    { label: 'an Ed25519 identity point', jwk: () => ({ kty: 'OKP', crv: 'Ed25519', x: SMALL_ORDER[0]?.x }), reason: /small-order point/ },
    { label: 'RSA with e = 1', jwk: () => rsaKey(1n).jwk, reason: /RSA public exponent/ },
    { label: 'RSA-1024', jwk: () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }), reason: /shorter than 2048 bits/ },
    { label: 'RSA with an even modulus', jwk: () => (evenKey ??= evenModulusKey()).jwk, reason: /RSA modulus is even/ },
    { label: 'P-256 off the curve', jwk: () => EC_DEFECTS[0]?.change(createPublicKey(ecPrivateKey(CURVES[0])).export({ format: 'jwk' }), CURVES[0]), reason: /not a point on P-256/ },
  ])('KEY-08 an inline "jwks" holding $label is refused at createGuard, with the reason', ({ jwk, reason }) => {
    const good = createPublicKey(ecPrivateKey(CURVES[0])).export({ format: 'jwk' })
    const create = () => createGuard({ issuer: { issuer: 'https://as.example.com', jwks: { keys: [good, { ...jwk(), kid: 'weak' }] as JWK[] } }, audience: RS, profile: 'oauth2' })
    expect(create).toThrow(TypeError)
    expect(create).toThrow(reason)
  })

  it('KEY-09 the edges: RSA e = 65537 and 2^32 + 1, real Ed25519 and P-521 keys verify; e = 65535 and 2^32 + 3 beside them do not', async () => {
    const ed = generateKeyPairSync('ed25519')
    const p521 = ecPrivateKey(CURVES[2])
    const inside = [
      { kid: 'e65537', key: rsaKeyWithExponent(65537n), alg: 'PS256' as const },
      { kid: 'e2^32+1', key: rsaKey(2n ** 32n + 1n), alg: 'RS256' as const },
    ]
    const outside = [
      { kid: 'e65535', key: rsaKey(65535n), alg: 'PS256' as const },
      { kid: 'e2^32+3', key: rsaKey(2n ** 32n + 3n), alg: 'RS256' as const },
    ]
    const guard = issuerGuard([
      ...[...inside, ...outside].map(({ kid, key }) => ({ ...key.jwk, kid })),
      { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed' },
      { ...createPublicKey(p521).export({ format: 'jwk' }), kid: 'p521' },
    ])
    const token = async (alg: string, kid: string, sign: (input: string) => Uint8Array | Promise<Uint8Array> | undefined) => {
      const input = `${segment({ alg, typ: 'at+jwt', kid })}.${segment(claims(kid))}`
      return `${input}.${b64u((await sign(input)) as Uint8Array)}`
    }
    for (const { kid, key, alg } of inside) await guard.verify(requestLike({ token: await token(alg, kid, (input) => signRSA(key, alg, input)) }))
    await guard.verify(requestLike({ token: await token('EdDSA', 'ed', nodeSigner(null, ed.privateKey)) }))
    await guard.verify(requestLike({ token: await token('ES512', 'p521', nodeSigner('sha512', p521)) }))
    for (const { kid, key, alg } of outside) {
      await expectRefusal(guard.verify(requestLike({ token: await token(alg, kid, (input) => signRSA(key, alg, input)) })), invalidToken('ERR_JWT_KEY_TOO_WEAK'))
    }
  })
})
