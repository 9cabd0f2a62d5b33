/**
 * `jwkThumbprint` (RFC 7638 SHA-256, as RFC 9449 §6.1 `cnf.jkt` uses it) on both crypto backends:
 * the RFC 7638 §3.1 and RFC 9449 examples, which members count, and agreement with jose.
 */
import { createHash, generateKeyPairSync } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../../src/binding/jwk-thumbprint.js'
import { webCryptoBackend, type CryptoBackend } from '../../src/keys/crypto-backend.js'
import { nodeCryptoBackend } from '../../src/node/node-crypto-backend.js'

// RFC 7638 §3.1 (standards.md §13.2, vectors.json), copied exactly.
const RFC7638_JWK: JWK = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
}
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
const RFC7638_SHA256 = [55, 54, 203, 177, 120, 124, 184, 48, 156, 119, 238, 140, 55, 5, 197, 225, 111, 251, 158, 133, 151, 21, 144, 31, 30, 76, 89, 177, 17, 130, 245, 123]
const RFC7638_CANONICAL = `{"e":"AQAB","kty":"RSA","n":"${RFC7638_JWK.n}"}`

// RFC 9449 §6.1 (standards.md §13.1).
const RFC9449_JWK: JWK = { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256' }
const RFC9449_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
const RFC9449_CANONICAL = '{"crv":"P-256","kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}'

const cryptoBackends: ReadonlyArray<{ name: string; backend: CryptoBackend }> = [
  { name: 'node:crypto', backend: nodeCryptoBackend },
  { name: 'web crypto', backend: webCryptoBackend },
]

describe.each(cryptoBackends)('sha256Base64url ($name)', ({ backend }) => {
  it('hashes strings as UTF-8 and bytes as they are, into unpadded base64url', async () => {
    for (const input of ['', 'a', 'jkt:jti', 'é✓𝄞 non-ASCII', 'x'.repeat(100_000)]) {
      const expected = createHash('sha256').update(Buffer.from(input, 'utf8')).digest('base64url')
      await expect(Promise.resolve(backend.sha256Base64url(input)), input.slice(0, 20)).resolves.toBe(expected)
      await expect(Promise.resolve(backend.sha256Base64url(new TextEncoder().encode(input)))).resolves.toBe(expected)
    }
  })
})

describe.each(cryptoBackends)('jwkThumbprint ($name)', ({ backend }) => {
  it('RFC 7638 §3.1: the example RSA key gives the RFC thumbprint; alg and kid do not change it', async () => {
    expect(createHash('sha256').update(RFC7638_CANONICAL).digest().toJSON().data).toEqual(RFC7638_SHA256)
    await expect(jwkThumbprint(RFC7638_JWK, backend)).resolves.toBe(RFC7638_THUMBPRINT)
    const bare: JWK = { kty: 'RSA', n: RFC7638_JWK.n as string, e: 'AQAB' }
    await expect(jwkThumbprint(bare, backend)).resolves.toBe(RFC7638_THUMBPRINT)
    await expect(jwkThumbprint({ ...RFC7638_JWK, alg: 'PS256', kid: 'another', use: 'sig', key_ops: ['verify'], x5t: 'x' }, backend)).resolves.toBe(RFC7638_THUMBPRINT)
  })

  it('DPOP-16 the RFC 9449 example key gives cnf.jkt 0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I', async () => {
    expect(createHash('sha256').update(RFC9449_CANONICAL).digest('base64url')).toBe(RFC9449_JKT)
    await expect(jwkThumbprint(RFC9449_JWK, backend)).resolves.toBe(RFC9449_JKT)
  })

  it('C17 member order and extra members do not matter; the result is 43 base64url characters without padding', async () => {
    const reordered = { y: RFC9449_JWK.y, crv: 'P-256', x: RFC9449_JWK.x, kty: 'EC', kid: 'k', alg: 'ES256', ext: true } as JWK
    const thumbprint = await jwkThumbprint(reordered, backend)
    expect(thumbprint).toBe(RFC9449_JKT)
    expect(thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('DPOP-28 the hash is SHA-256: another hash of the canonical input is not the thumbprint', async () => {
    const sha384 = createHash('sha384').update(RFC9449_CANONICAL).digest('base64url')
    await expect(jwkThumbprint(RFC9449_JWK, backend)).resolves.not.toBe(sha384)
  })

  it('agrees with jose for generated EC, RSA and OKP keys', async () => {
    const keys = [
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
      generateKeyPairSync('ed25519').publicKey,
    ]
    for (const key of keys) {
      const jwk = key.export({ format: 'jwk' }) as JWK
      await expect(jwkThumbprint(jwk, backend)).resolves.toBe(await calculateJwkThumbprint(jwk, 'sha256'))
    }
  })

  it('no thumbprint without every required member as a non-empty string, or for an unknown kty', async () => {
    const cases: JWK[] = [
      { kty: 'EC', crv: 'P-256', x: RFC9449_JWK.x as string },
      { ...RFC9449_JWK, y: '' },
      { ...RFC9449_JWK, x: 42 } as unknown as JWK,
      { kty: 'RSA', n: RFC7638_JWK.n as string },
      { kty: 'OKP', x: 'abc' },
      { kty: 'oct', k: 'c2VjcmV0' },
      { kty: 'ec', crv: 'P-256', x: RFC9449_JWK.x as string, y: RFC9449_JWK.y as string },
      {} as JWK,
      { kty: '__proto__' } as JWK,
      { kty: 'toString' } as JWK,
    ]
    for (const jwk of cases) await expect(jwkThumbprint(jwk, backend)).resolves.toBeUndefined()
  })
})
