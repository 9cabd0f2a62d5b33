/**
 * DPoP proofs (RFC 9449 §4.3, §7): the RFC example proofs through `verifyDPoPProof`, then every
 * applicable row of attacks.md group C and standards.md §4 (DPOP-xx) through `guard.verify`, on both
 * entry points (node:crypto and Web Crypto). Nonce rows are in dpop-nonce.test.ts, the replay flood in
 * test/replay, proxies in test/request/proxy-trust.test.ts.
 */
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { LRUCache } from 'lru-cache'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accessTokenHash, createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import {
  checkProofAth,
  checkProofClaims,
  checkProofHtu,
  checkProofSignature,
  parseProof,
  readProof,
  verifyDPoPProof,
  type DPoPRules,
} from '../../src/binding/verify-dpop-proof.js'
import type { ErrorCode } from '../../src/errors/codes.js'
import type { GuardError } from '../../src/errors/guard-error.js'
import type { Guard } from '../../src/pipeline/guard.js'
import { webCryptoBackend, type CryptoBackend } from '../../src/keys/crypto-backend.js'
import { nodeCryptoBackend } from '../../src/node/node-crypto-backend.js'
import { createMemoryReplayStore } from '../../src/replay/memory-replay-store.js'
import type { RequestLike } from '../../src/types.js'
import { createGuard } from '../../src/node/index.js'
import { backends } from '../support/backends.js'
import {
  ALGS,
  boundToken,
  createClient,
  dpopChallenge,
  dpopKeySigner,
  es256Signer,
  guardOptions,
  handProof,
  invalidProof,
  nodeProofKey,
  proofClaims,
  type Client,
} from '../support/dpop-kit.js'
import { b64u, flipSignatureBit, splitJWS } from '../support/jws.js'
import { API, TestClock, requestLike, refusal, expectRefusal } from '../support/kit.js'

// RFC 9449 examples (standards.md §13.1, vectors.json), copied exactly.
const RFC_NOW = 1562262618
const RFC_JWK = { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256' }
const RFC_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
const RFC_AT = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'
const RFC_ATH = 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo'
const RFC_URL = 'https://resource.example.org/protectedresource'
const RFC_RESOURCE_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA'
const RFC_TOKEN_ENDPOINT_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg'

const cryptoBackends: ReadonlyArray<{ name: string; backend: CryptoBackend }> = [
  { name: 'node:crypto', backend: nodeCryptoBackend },
  { name: 'web crypto', backend: webCryptoBackend },
]

function rfcRules(backend: CryptoBackend, overrides: Partial<DPoPRules> = {}): DPoPRules {
  return {
    algorithms: new Set(['PS256', 'ES256', 'EdDSA']),
    proofMaxAge: 300,
    proofMaxFuture: 10,
    clockTolerance: 5,
    nonce: undefined,
    replayStore: createMemoryReplayStore({ clock: () => RFC_NOW * 1000 }),
    requestURL: { trusted: () => false, publicUrl: undefined, forwarded: 'x-forwarded' },
    maxProofLength: 8192,
    backend,
    headerCache: new LRUCache({ max: 10 }),
    ...overrides,
  }
}

function rfcRequest(overrides: Partial<RequestLike> = {}, proof = RFC_RESOURCE_PROOF): RequestLike {
  return { method: 'GET', url: RFC_URL, headers: { authorization: `DPoP ${RFC_AT}`, dpop: proof }, ...overrides }
}

/** The error a direct call rejects with. */
async function thrown(promise: Promise<unknown>): Promise<GuardError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (reason: unknown) => reason,
  )
  expect((error as Error).name).toBe('GuardError')
  return error as GuardError
}

function thrownSync(run: () => unknown): GuardError {
  try {
    run()
  } catch (error) {
    expect((error as Error).name).toBe('GuardError')
    return error as GuardError
  }
  throw new Error('expected a refusal')
}

/** The RFC resource proof with one character of its signature segment replaced. */
function withSignatureChar(index: number, char: string): string {
  const [header, payload, signature] = splitJWS(RFC_RESOURCE_PROOF)
  const at = index < 0 ? signature.length + index : index
  return `${header}.${payload}.${signature.slice(0, at)}${char}${signature.slice(at + 1)}`
}

describe.each(cryptoBackends)('RFC 9449 example proofs through verifyDPoPProof ($name)', ({ backend }) => {
  it('DPOP-09 the RFC §7.1 resource proof verifies with its header jwk and yields the RFC thumbprint', async () => {
    const verified = await verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend))
    expect(verified).toEqual({ jkt: RFC_JKT, responseHeaders: {} })
  })

  it('DPOP-15 ath of the RFC access token is the RFC value; any other token is refused', async () => {
    expect(accessTokenHash(RFC_AT)).toBe(RFC_ATH)
    await expect(checkProofAth(RFC_ATH, RFC_AT, backend)).resolves.toBeUndefined()
    const error = await thrown(verifyDPoPProof(rfcRequest(), `${RFC_AT}x`, RFC_JKT, RFC_NOW, rfcRules(backend)))
    expect(error.code).toBe('ERR_DPOP_ATH_MISMATCH')
  })

  it('DPOP-16 the RFC proof against another cnf.jkt is an invalid key binding', async () => {
    const other = await createDPoPKey('ES256')
    const error = await thrown(verifyDPoPProof(rfcRequest(), RFC_AT, other.thumbprint, RFC_NOW, rfcRules(backend)))
    expect({ status: error.status, error: error.error, code: error.code, description: error.description }).toEqual({
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_KEY_MISMATCH',
      description: 'Invalid DPoP key binding',
    })
  })

  it('DPOP-12 the RFC proof matches the request with a query, not /protectedresource2', async () => {
    await expect(verifyDPoPProof(rfcRequest({ url: `${RFC_URL}?x=1` }), RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend))).resolves.toMatchObject({
      jkt: RFC_JKT,
    })
    const error = await thrown(verifyDPoPProof(rfcRequest({ url: `${RFC_URL}2` }), RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend)))
    expect(error.code).toBe('ERR_DPOP_HTU_MISMATCH')
  })

  it('DPOP-11 the RFC proof (htm GET) on POST is refused', async () => {
    const error = await thrown(verifyDPoPProof(rfcRequest({ method: 'POST' }), RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend)))
    expect(error.code).toBe('ERR_DPOP_HTM_MISMATCH')
  })

  it('DPOP-14 frozen clock: accepted at iat, refused 301 s later with a 300 s window and no leeway; iat 10 s ahead accepted, 1 h ahead refused', async () => {
    const strict = { proofMaxAge: 300, clockTolerance: 0 }
    await expect(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend, strict))).resolves.toBeDefined()
    await expect(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW + 300, rfcRules(backend, strict))).resolves.toBeDefined()
    const late = await thrown(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW + 301, rfcRules(backend, strict)))
    expect(late.code).toBe('ERR_DPOP_IAT_OUT_OF_WINDOW')
    await expect(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW - 10, rfcRules(backend, strict))).resolves.toBeDefined()
    const early = await thrown(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW - 3600, rfcRules(backend, strict)))
    expect(early.code).toBe('ERR_DPOP_IAT_OUT_OF_WINDOW')
  })

  it('DPOP-37 the RFC proof twice through one replay store: the second use is refused', async () => {
    const rules = rfcRules(backend)
    await verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW, rules)
    const error = await thrown(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW, rules))
    expect(error.code).toBe('ERR_DPOP_PROOF_REPLAYED')
  })

  it('DPOP-01 the header name is case-insensitive (DPoP, DPOP, dpop); one case-flipped character breaks the signature', async () => {
    for (const name of ['DPoP', 'DPOP', 'dpop']) {
      const request = { method: 'GET', url: RFC_URL, headers: { Authorization: `DPoP ${RFC_AT}`, [name]: RFC_RESOURCE_PROOF } }
      await expect(verifyDPoPProof(request, RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend))).resolves.toMatchObject({ jkt: RFC_JKT })
    }
    const fetchRequest = new Request(RFC_URL, { headers: { Authorization: `DPoP ${RFC_AT}`, DPOP: RFC_RESOURCE_PROOF } })
    await expect(verifyDPoPProof(fetchRequest, RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend))).resolves.toMatchObject({ jkt: RFC_JKT })
    // The signature begins "2oW9RP…": flip the case of its 3rd character.
    const flipped = withSignatureChar(2, 'w')
    expect(flipped).not.toBe(RFC_RESOURCE_PROOF)
    const error = await thrown(verifyDPoPProof(rfcRequest({}, flipped), RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend)))
    expect(error.code).toBe('ERR_DPOP_SIGNATURE_INVALID')
  })

  it('DPOP-09 the RFC proof with its last signature character changed is refused, whatever the new character', async () => {
    // The last of 86 characters carries 2 signature bits and 4 padding bits: 'A'→'Q' changes a
    // signature bit (bad signature); 'A'→'B' changes only padding bits (non-canonical base64url).
    for (const char of ['Q', 'g', 'w', 'B', 'C', 'P']) {
      const error = await thrown(verifyDPoPProof(rfcRequest({}, withSignatureChar(-1, char)), RFC_AT, RFC_JKT, RFC_NOW, rfcRules(backend)))
      expect({ status: error.status, error: error.error }).toEqual({ status: 401, error: 'invalid_dpop_proof' })
      expect(['ERR_DPOP_SIGNATURE_INVALID', 'ERR_DPOP_PROOF_MALFORMED']).toContain(error.code)
    }
    expect(thrownSync(() => parseProof(withSignatureChar(-1, 'B'))).code).toBe('ERR_DPOP_PROOF_MALFORMED')
  })

  it('the RFC §4.1 token-endpoint proof is refused at the resource: no ath, and its htm/htu do not fit', async () => {
    const rules = rfcRules(backend)
    const atResource = await thrown(verifyDPoPProof(rfcRequest({}, RFC_TOKEN_ENDPOINT_PROOF), RFC_AT, RFC_JKT, RFC_NOW, rules))
    expect({ code: atResource.code, description: atResource.description }).toEqual({
      code: 'ERR_DPOP_CLAIM_INVALID',
      description: 'the DPoP proof "ath" is missing',
    })
    // Even where its htm and htu fit (POST to the token endpoint), the missing ath refuses it.
    const atTokenEndpoint = rfcRequest({ method: 'POST', url: 'https://server.example.com/token' }, RFC_TOKEN_ENDPOINT_PROOF)
    expect((await thrown(verifyDPoPProof(atTokenEndpoint, RFC_AT, RFC_JKT, RFC_NOW, rules))).code).toBe('ERR_DPOP_CLAIM_INVALID')
    // Its signature is genuine: the refusals are about its claims.
    const { header, body: proof } = await readProof(RFC_TOKEN_ENDPOINT_PROOF, rules)
    expect({ alg: header.alg, jwk: header.jwk, thumbprint: header.thumbprint }).toEqual({ alg: 'ES256', jwk: RFC_JWK, thumbprint: RFC_JKT })
    await expect(checkProofSignature(proof, header, rules)).resolves.toBeUndefined()
    expect(thrownSync(() => checkProofClaims({ ...proof.payload, ath: RFC_ATH }, 'GET')).code).toBe('ERR_DPOP_HTM_MISMATCH')
    expect(thrownSync(() => checkProofHtu(proof.payload.htu as string, rfcRequest(), rules)).code).toBe('ERR_DPOP_HTU_MISMATCH')
  })
})

describe.each(cryptoBackends)('checked proof headers are remembered by their segment ($name)', ({ backend }) => {
  /** `backend`, counting the keys it imports; `failImport` makes every import reject. */
  function countingBackend(failImport = false): { backend: CryptoBackend; imports: () => number } {
    let imports = 0
    const counted: CryptoBackend = Object.assign(Object.create(backend) as CryptoBackend, {
      importKey(jwk: JWK, alg: string) {
        imports++
        return failImport ? Promise.reject(new Error('no such key')) : backend.importKey(jwk, alg)
      },
    })
    return { backend: counted, imports: () => imports }
  }
  /** The RFC resource proof's header and signature around other claims (so its signature no longer fits). */
  function withClaims(claims: Record<string, unknown>): string {
    const [header, , signature] = splitJWS(RFC_RESOURCE_PROOF)
    return `${header}.${b64u(JSON.stringify(claims))}.${signature}`
  }

  it('a later proof with the same header imports no key again, and its claims and signature are still checked', async () => {
    const { backend: counted, imports } = countingBackend()
    const rules = rfcRules(counted)
    await expect(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW, rules)).resolves.toEqual({ jkt: RFC_JKT, responseHeaders: {} })
    expect({ imports: imports(), cached: [...rules.headerCache.keys()] }).toEqual({ imports: 1, cached: [splitJWS(RFC_RESOURCE_PROOF)[0]] })
    const [, payload] = splitJWS(RFC_RESOURCE_PROOF)
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
    const refusals = [
      await thrown(verifyDPoPProof(rfcRequest({}, withClaims({ ...claims, jti: 'another' })), RFC_AT, RFC_JKT, RFC_NOW, rules)),
      await thrown(verifyDPoPProof(rfcRequest({}, withClaims({ ...claims, htm: 'POST' })), RFC_AT, RFC_JKT, RFC_NOW, rules)),
      await thrown(verifyDPoPProof(rfcRequest({}, `${splitJWS(RFC_RESOURCE_PROOF)[0]}.e30.${splitJWS(RFC_RESOURCE_PROOF)[2]}x`), RFC_AT, RFC_JKT, RFC_NOW, rules)),
      await thrown(verifyDPoPProof(rfcRequest({}, `${splitJWS(RFC_RESOURCE_PROOF)[0]}.!!.${splitJWS(RFC_RESOURCE_PROOF)[2]}`), RFC_AT, RFC_JKT, RFC_NOW, rules)),
      await thrown(verifyDPoPProof(rfcRequest({}, `${RFC_RESOURCE_PROOF}.x`), RFC_AT, RFC_JKT, RFC_NOW, rules)),
      await thrown(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW, rules)),
    ]
    expect(refusals.map((error) => error.code)).toEqual([
      'ERR_DPOP_SIGNATURE_INVALID',
      'ERR_DPOP_HTM_MISMATCH',
      'ERR_DPOP_PROOF_MALFORMED',
      'ERR_DPOP_PROOF_MALFORMED',
      'ERR_DPOP_PROOF_MALFORMED',
      'ERR_DPOP_PROOF_REPLAYED',
    ])
    expect(imports()).toBe(1)
  })

  it('a header refused once is refused again and never remembered', async () => {
    const rules = rfcRules(backend)
    const [, payload, signature] = splitJWS(RFC_RESOURCE_PROOF)
    const badTyp = `${b64u(JSON.stringify({ typ: 'JWT', alg: 'ES256', jwk: RFC_JWK }))}.${payload}.${signature}`
    for (let i = 0; i < 2; i++) {
      expect((await thrown(verifyDPoPProof(rfcRequest({}, badTyp), RFC_AT, RFC_JKT, RFC_NOW, rules))).code).toBe('ERR_DPOP_TYP_INVALID')
    }
    expect(rules.headerCache.size).toBe(0)
  })

  it('a key the backend cannot import drops its header, so the next proof tries again', async () => {
    const { backend: failing, imports } = countingBackend(true)
    const rules = rfcRules(failing)
    for (let i = 0; i < 2; i++) {
      expect((await thrown(verifyDPoPProof(rfcRequest(), RFC_AT, RFC_JKT, RFC_NOW, rules))).code).toBe('ERR_DPOP_JWK_INVALID')
      expect(rules.headerCache.size).toBe(0)
    }
    expect(imports()).toBe(2)
  })
})

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const OAUTH2_ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519'
const BEARER_INVALID_TOKEN = new RegExp(`^Bearer realm="api", error="invalid_token", error_description="[^"]*", DPoP algs="${ALGS}"$`)

describe('DPoP proofs through guard.verify', () => {
  const clock = new TestClock()
  let guard: Guard
  let client: Client
  let other: Client

  beforeAll(async () => {
    guard = createGuard(guardOptions(issuer, clock))
    client = await createClient(issuer, clock)
    other = await createClient(issuer, clock)
  })

  /** A fresh guard with options on top of the suite's, and its own clock. */
  function freshGuard(extra: Parameters<typeof guardOptions>[2] = {}, ownClock = clock): Guard {
    return createGuard(guardOptions(issuer, ownClock, extra))
  }

  it('DPOP-20 `Authorization: DPoP` without a token is 400 invalid_request', async () => {
    for (const authorization of ['DPoP', 'DPoP ', 'DPoP   ']) {
      await expectRefusal(guard.verify({ method: 'GET', url: API, headers: { authorization, dpop: await client.proof() } }), {
        status: 400,
        error: 'invalid_request',
        code: 'ERR_AUTHORIZATION_MALFORMED',
      })
    }
  })

  it('DPOP-21 no credentials: 401 with Bearer and DPoP challenges, algs, and no error', async () => {
    await expectRefusal(guard.verify({ method: 'GET', url: API, headers: {} }), {
      status: 401,
      error: undefined,
      code: 'ERR_NO_CREDENTIALS',
      challenge: `Bearer realm="api", DPoP algs="${ALGS}"`,
    })
    const dpopOnly = freshGuard({ dpop: { required: true, algorithms: ['ES256', 'PS256'] } })
    await expectRefusal(dpopOnly.verify({ method: 'GET', url: API, headers: {} }), {
      status: 401,
      error: undefined,
      code: 'ERR_NO_CREDENTIALS',
      challenge: 'DPoP algs="ES256 PS256"',
    })
  })

  it('C01 Authorization: DPoP with no DPoP header is refused (invalid_dpop_proof)', async () => {
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token })), invalidProof('ERR_DPOP_PROOF_MISSING'))
  })

  it('DPOP-19 a DPoP-bound token needs a proof: the DPoP scheme without one is 401', async () => {
    const error = await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token })), invalidProof('ERR_DPOP_PROOF_MISSING'))
    expect(error.description).toBe('the request has no DPoP proof')
  })

  it('C02 downgrade: a DPoP-bound token sent as Bearer without a proof is 401 invalid_token', async () => {
    await expectRefusal(guard.verify(requestLike({ token: client.token, scheme: 'Bearer' })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH',
      challenge: BEARER_INVALID_TOKEN,
    })
  })

  it('C03 downgrade: a DPoP-bound token sent as Bearer with a valid proof is 401 invalid_token; the proof is not used up', async () => {
    const proof = await client.proof()
    await expectRefusal(guard.verify(requestLike({ token: client.token, scheme: 'Bearer', proof })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH',
      challenge: BEARER_INVALID_TOKEN,
    })
    await expect(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof }))).resolves.toMatchObject({ binding: { dpop: { jkt: client.key.thumbprint } } })
  })

  it('DPOP-24 an RS taking both schemes rejects a DPoP-bound token received as a bearer token (scheme in any case)', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      for (const proof of [undefined, await client.proof()]) {
        await expectRefusal(guard.verify(requestLike({ token: client.token, scheme, proof })), {
          status: 401,
          error: 'invalid_token',
          code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH',
          challenge: BEARER_INVALID_TOKEN,
        })
      }
    }
  })

  it('DPOP-17 a JWT access token with cnf.jkt always takes the DPoP path', async () => {
    await expectRefusal(guard.verify(requestLike({ token: client.token, scheme: 'Bearer' })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH',
    })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token })), invalidProof('ERR_DPOP_PROOF_MISSING'))
    const auth = await guard.verify(await client.request())
    expect(auth.binding.dpop?.jkt).toBe(client.key.thumbprint)
  })

  it('C04 a proof that is not a well-formed JWT (signature segment removed or empty) is refused', async () => {
    const [header, payload] = splitJWS(await client.proof())
    for (const proof of [`${header}.${payload}`, `${header}.${payload}.`]) {
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_PROOF_MALFORMED'))
    }
  })

  it('DPOP-04 two DPoP headers, or two proofs joined in one field, are refused', async () => {
    const proof = await client.proof()
    const duplicated = { status: 400, error: 'invalid_request', code: 'ERR_DPOP_PROOF_DUPLICATED', challenge: dpopChallenge('invalid_request') } as const
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: [proof, proof] })), duplicated)
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: `${proof}, ${proof}` })), duplicated)
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, headers: { DPoP: proof, dpop: proof } })), duplicated)
    const fetchHeaders = new Headers({ authorization: `DPoP ${client.token}` })
    fetchHeaders.append('DPoP', proof)
    fetchHeaders.append('dpop', proof)
    await expectRefusal(guard.verify({ method: 'GET', url: API, headers: fetchHeaders }), duplicated)
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: `${proof} ${proof}` })), invalidProof('ERR_DPOP_PROOF_MALFORMED'))
  })

  it('DPOP-05 a DPoP value that is not one compact JWS (garbage, JWE, JSON serialization, unencoded payload) is refused', async () => {
    const good = await client.proof()
    const [header, payload, signature] = splitJWS(good)
    const json = JSON.stringify({ protected: header, payload, signature })
    const unencodedHeader = b64u(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: client.key.publicJwk, b64: false, crit: ['b64'] }))
    for (const proof of [
      'abc',
      `${header}.${payload}.${signature}.${signature}.${signature}`,
      `${unencodedHeader}.{"htm":"GET"}.${signature}`,
      `${unencodedHeader}.${b64u('GET /accounts')}.${signature}`,
      `${header}.notbase64json.${signature}`,
      `${header}.${payload}.${signature}=`,
      '',
    ]) {
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_PROOF_MALFORMED'))
    }
    // A comma reads as a second field value (several proofs): 400 invalid_request.
    for (const proof of [json, `${unencodedHeader}.${JSON.stringify(proofClaims(client.token, clock.seconds))}.${signature}`]) {
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), {
        status: 400,
        error: 'invalid_request',
        code: 'ERR_DPOP_PROOF_DUPLICATED',
      })
    }
  })

  it('DPOP-05 a proof whose header lists "crit" extensions is refused (RFC 7515 §4.1.11)', async () => {
    for (const crit of [['urn:example:ext'], ['b64'], [], 'x']) {
      const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: client.key.publicJwk, crit, 'urn:example:ext': true, b64: true }
      const proof = await handProof(header, proofClaims(client.token, clock.seconds), dpopKeySigner(client.key))
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_PROOF_MALFORMED'))
    }
  })

  it('C05 typ missing, "JWT", "dpop+jwt+wrongyousee" or "at+jwt" is refused', async () => {
    for (const typ of [undefined, 'JWT', 'dpop+jwt+wrongyousee', 'at+jwt', 'jwt', 'dpop']) {
      const proof = await client.proof({ header: { typ } })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_TYP_INVALID'))
    }
    const numeric = await client.proof({ header: { typ: 1 } })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: numeric })), invalidProof('ERR_DPOP_TYP_INVALID'))
  })

  it('DPOP-07 typ compares as a media type: "application/dpop+jwt" and "DPoP+JWT" are accepted (policy, RFC 7515 §4.1.9)', async () => {
    for (const typ of ['application/dpop+jwt', 'DPoP+JWT']) {
      await expect(guard.verify(await client.request({ header: { typ } }))).resolves.toBeDefined()
    }
  })

  it('C06 a proof without alg is refused', async () => {
    const proof = await handProof({ typ: 'dpop+jwt', jwk: client.key.publicJwk }, proofClaims(client.token, clock.seconds), dpopKeySigner(client.key))
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_ALG_NOT_ALLOWED'))
  })

  it('C11 a proof without jwk, or with a jwk that is not an object, is refused', async () => {
    for (const jwk of [undefined, 'x', [client.key.publicJwk], null, 42]) {
      const proof = await client.proof({ header: { jwk } })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_JWK_INVALID'))
    }
  })

  it('C12 a jwk carrying the private key (d) is refused', async () => {
    const key = await nodeProofKey()
    const token = await boundToken(issuer, clock, key.thumbprint)
    const proof = await handProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.privateJwk }, proofClaims(token, clock.seconds), es256Signer(key.privateKey))
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token, proof })), invalidProof('ERR_DPOP_JWK_INVALID'))
    // The same key without d is fine.
    const clean = await handProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk }, proofClaims(token, clock.seconds), es256Signer(key.privateKey))
    await expect(guard.verify(requestLike({ scheme: 'DPoP', token, proof: clean }))).resolves.toBeDefined()
  })

  it('DPOP-10 any private-key member in the jwk (d, p, q, dp, dq, qi, oth, k) is refused', async () => {
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
      const proof = await client.proof({ header: { jwk: { ...client.key.publicJwk, [member]: 'AAAA' } } })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_JWK_INVALID'))
    }
  })

  it('C16 the DPoP scheme with a token that has no cnf.jkt is 401 invalid_token', async () => {
    const unbound = await issuer.mint({}, { now: clock.seconds })
    const proof = await createDPoPProof({ key: client.key, method: 'GET', url: API, accessToken: unbound, iat: clock.seconds })
    for (const request of [requestLike({ scheme: 'DPoP', token: unbound, proof }), requestLike({ scheme: 'DPoP', token: unbound })]) {
      await expectRefusal(guard.verify(request), {
        status: 401,
        error: 'invalid_token',
        code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH',
        challenge: dpopChallenge('invalid_token'),
      })
    }
  })

  it('DPOP-26 an unbound token with the DPoP scheme is refused even where unbound tokens are allowed (oauth2 profile)', async () => {
    const oauth2 = freshGuard({ profile: 'oauth2' })
    const unbound = await issuer.mint({}, { now: clock.seconds })
    await expect(oauth2.verify(requestLike({ token: unbound, scheme: 'Bearer' }))).resolves.toMatchObject({ binding: {} })
    const proof = await createDPoPProof({ key: client.key, method: 'GET', url: API, accessToken: unbound, iat: clock.seconds })
    await expectRefusal(oauth2.verify(requestLike({ scheme: 'DPoP', token: unbound, proof })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_BINDING_SCHEME_MISMATCH',
      challenge: dpopChallenge('invalid_token', undefined, OAUTH2_ALGS),
    })
  })

  it('DPOP-27 dpop.required refuses an unbound bearer token with a DPoP challenge', async () => {
    const unbound = await issuer.mint({}, { now: clock.seconds })
    const required = freshGuard({ profile: 'oauth2', dpop: { required: true } })
    const error = await expectRefusal(required.verify(requestLike({ token: unbound, scheme: 'Bearer' })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_TOKEN_NOT_SENDER_CONSTRAINED',
    })
    // Bearer is not offered, so the only challenge is DPoP, and it carries the error.
    expect(error.headers['www-authenticate']).toBe(
      `DPoP error="invalid_token", error_description="this resource server accepts only DPoP-bound access tokens", algs="${OAUTH2_ALGS}"`,
    )
    await expect(required.verify(await client.request())).resolves.toBeDefined()
  })

  it('DPOP-28 cnf.jkt is 43 base64url characters of SHA-256: padded, standard-alphabet, hex or non-canonical forms are refused', async () => {
    const standard = Buffer.from(client.key.thumbprint, 'base64url').toString('base64')
    const hex = Buffer.from(client.key.thumbprint, 'base64url').toString('hex')
    for (const jkt of [`${client.key.thumbprint}=`, standard, hex, client.key.thumbprint.slice(0, 42)]) {
      const token = await boundToken(issuer, clock, jkt)
      const proof = await createDPoPProof({ key: client.key, method: 'GET', url: API, accessToken: token, iat: clock.seconds })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token, proof })), { status: 401, error: 'invalid_token', code: 'ERR_CNF_INVALID' })
    }
    // The last of 43 characters carries 2 padding bits: a variant with them set decodes to the same
    // bytes, yet is not the thumbprint and is refused.
    const last = client.key.thumbprint.at(-1) as string
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const variant = `${client.key.thumbprint.slice(0, 42)}${alphabet[alphabet.indexOf(last) ^ 0x01]}`
    const token = await boundToken(issuer, clock, variant)
    const proof = await createDPoPProof({ key: client.key, method: 'GET', url: API, accessToken: token, iat: clock.seconds })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token, proof })), { status: 401, error: 'invalid_token', code: 'ERR_DPOP_KEY_MISMATCH' })
  })

  it('C18 jti missing, empty or not a string is refused', async () => {
    for (const jti of [undefined, '', 42, ['a']]) {
      const proof = await client.proof({ claims: { jti } })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_CLAIM_INVALID'))
    }
  })

  it('DPOP-03 each of jti, htm, htu, iat, ath removed is refused; an extra claim is fine', async () => {
    for (const claim of ['jti', 'htm', 'htu', 'iat', 'ath']) {
      const proof = await client.proof({ claims: { [claim]: undefined } })
      const error = await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_CLAIM_INVALID'))
      expect(error.description).toContain(`"${claim}"`)
    }
    await expect(guard.verify(await client.request({ claims: { foo: 1 } }))).resolves.toBeDefined()
  })

  it('DPOP-06 all required claims must be present (each removal refused, as DPOP-03)', async () => {
    const proof = await client.proof({ claims: { jti: undefined, htm: undefined, htu: undefined, iat: undefined, ath: undefined } })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_CLAIM_INVALID'))
  })

  it('DPOP-02 the header needs typ dpop+jwt, an asymmetric alg, and a public jwk', async () => {
    await expectRefusal(guard.verify(await client.request({ header: { typ: 'JWT' } })), invalidProof('ERR_DPOP_TYP_INVALID'))
    const mac = await handProof({ typ: 'dpop+jwt', alg: 'HS256', jwk: client.key.publicJwk }, proofClaims(client.token, clock.seconds), dpopKeySigner(client.key))
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: mac })), invalidProof('ERR_DPOP_ALG_NOT_ALLOWED'))
    await expectRefusal(guard.verify(await client.request({ header: { jwk: { ...client.key.publicJwk, d: 'AAAA' } } })), invalidProof('ERR_DPOP_JWK_INVALID'))
  })

  it('C19 the same proof twice: first accepted, second refused', async () => {
    const request = await client.request()
    await expect(guard.verify(request)).resolves.toBeDefined()
    await expectRefusal(guard.verify(request), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
  })

  it('DPOP-37 jti is single-use per key: another htu does not reopen it; another key has its own jtis', async () => {
    const jti = crypto.randomUUID()
    await expect(guard.verify(await client.request({ jti }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ jti })), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
    const elsewhere = `${API}/other`
    await expectRefusal(guard.verify(await client.request({ jti, url: elsewhere, requestUrl: elsewhere })), invalidProof('ERR_DPOP_PROOF_REPLAYED'))
    await expect(guard.verify(await other.request({ jti }))).resolves.toBeDefined()
  })

  it('DPOP-37 a proof refused for another reason does not use up its jti (replay is checked last)', async () => {
    const jti = crypto.randomUUID()
    await expectRefusal(guard.verify(await client.request({ jti, method: 'PUT', requestMethod: 'GET' })), invalidProof('ERR_DPOP_HTM_MISMATCH'))
    await expectRefusal(guard.verify(await client.request({ jti, accessToken: other.token })), invalidProof('ERR_DPOP_ATH_MISMATCH'))
    await expect(guard.verify(await client.request({ jti }))).resolves.toBeDefined()
  })

  it('C21 a huge jti (100 KB) is refused before anything is stored; a jti over 512 characters is refused', async () => {
    const huge = await client.proof({ jti: 'j'.repeat(100_000) })
    const error = await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: huge })), invalidProof('ERR_DPOP_PROOF_MALFORMED'))
    expect(error.description).toBe('the DPoP proof is too large')
    await expectRefusal(guard.verify(await client.request({ jti: 'j'.repeat(513) })), invalidProof('ERR_DPOP_CLAIM_INVALID'))
    await expect(guard.verify(await client.request({ jti: `${crypto.randomUUID()}${'j'.repeat(476)}` }))).resolves.toBeDefined()
  })

  it('DPOP-38 a jti of 10 000 characters is refused', async () => {
    await expectRefusal(guard.verify(await client.request({ jti: 'x'.repeat(10_000) })), invalidProof('ERR_DPOP_PROOF_MALFORMED'))
  })

  it('C22 one proof submitted twice at once to one guard: exactly one succeeds', async () => {
    const request = await client.request()
    const results = await Promise.allSettled([guard.verify(request), guard.verify(request)])
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    expect((rejected?.reason as GuardError).code).toBe('ERR_DPOP_PROOF_REPLAYED')
  })

  /** htm and htu refusals: the proof's method or URL is missing, not a string, or not this request's. */
  const htmHtuRefusals: ReadonlyArray<[rule: string, what: string, overrides: Parameters<Client['request']>[0], code: ErrorCode]> = [
    ['C23', 'htm missing', { claims: { htm: undefined } }, 'ERR_DPOP_CLAIM_INVALID'],
    ['C23', 'htm PUT on a GET', { method: 'PUT', requestMethod: 'GET' }, 'ERR_DPOP_HTM_MISMATCH'],
    ['C24 DPOP-11', 'htm "get" on a GET (methods compare exactly)', { method: 'get', requestMethod: 'GET' }, 'ERR_DPOP_HTM_MISMATCH'],
    ['DPOP-11', 'a GET proof on POST', { method: 'GET', requestMethod: 'POST' }, 'ERR_DPOP_HTM_MISMATCH'],
    ['C25', 'htu missing', { claims: { htu: undefined } }, 'ERR_DPOP_CLAIM_INVALID'],
    ['C25', 'htu a number', { claims: { htu: 42 } }, 'ERR_DPOP_CLAIM_INVALID'],
    ['C25', 'htu an object', { claims: { htu: { href: API } } }, 'ERR_DPOP_CLAIM_INVALID'],
    ['C26', 'htu for another host', { claims: { htu: 'https://evil.example/accounts' } }, 'ERR_DPOP_HTU_MISMATCH'],
    ['C26', 'htu for another path', { claims: { htu: 'https://api.example.test/other' } }, 'ERR_DPOP_HTU_MISMATCH'],
    ['C26', 'htu for a host that only starts like ours', { claims: { htu: 'https://api.example.test.evil.example/accounts' } }, 'ERR_DPOP_HTU_MISMATCH'],
    ['C26', 'htu not a URL', { claims: { htu: 'not a url' } }, 'ERR_DPOP_HTU_MISMATCH'],
  ]

  it.each(htmHtuRefusals)('%s %s is refused', async (_rule, _what, overrides, code) => {
    await expectRefusal(guard.verify(await client.request(overrides)), invalidProof(code))
  })

  it('DPOP-11 a POST proof on POST is accepted', async () => {
    await expect(guard.verify(await client.request({ method: 'POST', requestMethod: 'POST' }))).resolves.toBeDefined()
  })

  it('C27 htu with ?query#fragment is accepted (query and fragment ignored)', async () => {
    await expect(guard.verify(await client.request({ url: `${API}?a=1#frag`, keepQuery: true }))).resolves.toBeDefined()
  })

  it('C28 a request with a query and an htu without it is accepted', async () => {
    await expect(guard.verify(await client.request({ requestUrl: `${API}?page=2&size=10` }))).resolves.toBeDefined()
  })

  it('DPOP-12 htu is compared ignoring query and fragment, and a different path is refused', async () => {
    await expect(guard.verify(await client.request({ requestUrl: `${API}?x=1` }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ requestUrl: `${API}2` })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('DPOP-12 a request whose URL is not absolute cannot be matched: 400 invalid_request, not an unexpected error', async () => {
    for (const url of ['/accounts', 'accounts']) {
      await expectRefusal(guard.verify(await client.request({ requestUrl: url })), {
        status: 400,
        error: 'invalid_request',
        code: 'ERR_REQUEST_INVALID',
        challenge: dpopChallenge('invalid_request'),
      })
    }
  })

  it('C29 htu with an uppercase scheme and host is accepted (RFC 3986 §6.2.2.1)', async () => {
    await expect(guard.verify(await client.request({ claims: { htu: 'HTTPS://API.EXAMPLE.TEST/accounts' } }))).resolves.toBeDefined()
  })

  it('C30 htu with the explicit default port :443 is accepted (RFC 3986 §6.2.3)', async () => {
    await expect(guard.verify(await client.request({ claims: { htu: 'https://api.example.test:443/accounts' } }))).resolves.toBeDefined()
  })

  it('C31 htu whose path differs in case is refused', async () => {
    await expectRefusal(guard.verify(await client.request({ claims: { htu: 'https://api.example.test/Accounts' } })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('C32 percent-encoding: %7E equals ~; %2F is not /; %2e%2e is a dot segment (see normalize-htu.test.ts)', async () => {
    const tilde = 'https://api.example.test/~user/accounts'
    await expect(guard.verify(await client.request({ requestUrl: tilde, claims: { htu: 'https://api.example.test/%7Euser/accounts' } }))).resolves.toBeDefined()
    await expect(guard.verify(await client.request({ requestUrl: 'https://api.example.test/%7euser/accounts', claims: { htu: tilde } }))).resolves.toBeDefined()
    const slash = 'https://api.example.test/a/b'
    await expectRefusal(guard.verify(await client.request({ requestUrl: slash, claims: { htu: 'https://api.example.test/a%2Fb' } })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    // RFC 3986 §6.2.2.2–6.2.2.3 and WHATWG URL read %2e%2e as "..": /x/%2e%2e/accounts is /accounts.
    await expect(guard.verify(await client.request({ claims: { htu: 'https://api.example.test/x/%2e%2e/accounts' } }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ claims: { htu: 'https://api.example.test/accounts/%2e%2e' } })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('C33 trailing slash, http for https, and userinfo are refused; an empty path equals "/"; IDN equals its punycode', async () => {
    for (const htu of ['https://api.example.test/accounts/', 'http://api.example.test/accounts', 'https://u@api.example.test/accounts', 'https://u:p@api.example.test/accounts']) {
      await expectRefusal(guard.verify(await client.request({ claims: { htu } })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    }
    await expect(guard.verify(await client.request({ requestUrl: 'https://api.example.test/', claims: { htu: 'https://api.example.test' } }))).resolves.toBeDefined()
    // WHATWG URL maps an IDN host to its A-label, so both spellings name one host (a departure from
    // attacks.md C33's inference); a homograph (Cyrillic "а") is another host.
    const punycode = 'https://xn--bcher-kva.example/accounts'
    await expect(guard.verify(await client.request({ requestUrl: punycode, claims: { htu: 'https://bücher.example/accounts' } }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ claims: { htu: 'https://\u0430pi.example.test/accounts' } })), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('C36 iat missing or not a number is refused', async () => {
    for (const iat of [undefined, String(clock.seconds), null, 'now']) {
      await expectRefusal(guard.verify(await client.request({ claims: { iat } })), invalidProof('ERR_DPOP_CLAIM_INVALID'))
    }
  })

  it('C37 iat 8, 9 and 10 s ahead is accepted', async () => {
    for (const ahead of [8, 9, 10]) {
      await expect(guard.verify(await client.request({ iat: clock.seconds + ahead }))).resolves.toBeDefined()
    }
  })

  it('C38 iat 10 s behind is accepted', async () => {
    await expect(guard.verify(await client.request({ iat: clock.seconds - 10 }))).resolves.toBeDefined()
  })

  it('C39 iat one hour ahead or behind is refused', async () => {
    for (const offset of [3600, -3600]) {
      await expectRefusal(guard.verify(await client.request({ iat: clock.seconds + offset })), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
    }
  })

  it('DPOP-14 the window is proofMaxAge (300 s) behind and 10 s ahead, plus clockTolerance (5 s)', async () => {
    await expect(guard.verify(await client.request({ iat: clock.seconds - 305 }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ iat: clock.seconds - 306 })), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
    await expect(guard.verify(await client.request({ iat: clock.seconds + 15 }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ iat: clock.seconds + 16 })), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
    const strict = freshGuard({ clockTolerance: 0, dpop: { proofMaxAge: 60 } })
    await expect(strict.verify(await client.request({ iat: clock.seconds - 60 }))).resolves.toBeDefined()
    await expectRefusal(strict.verify(await client.request({ iat: clock.seconds - 61 })), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
  })

  it('DPOP-36 proofs are accepted only for a limited time after creation: the same kind of proof ages out', async () => {
    const own = new TestClock()
    const aging = freshGuard({}, own)
    const holder = await createClient(issuer, own)
    const request = await holder.request()
    own.advance(306)
    await expectRefusal(aging.verify(request), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
  })

  it('DPOP-39 a little future iat is accepted (10 s + leeway), more is not', async () => {
    await expect(guard.verify(await client.request({ iat: clock.seconds + 10 }))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await client.request({ iat: clock.seconds + 60 })), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
  })

  it('C40 a proof pre-generated for 2 h later is refused now, and then accepted only while its token lives', async () => {
    const own = new TestClock()
    const later = freshGuard({}, own)
    const longLived = await createClient(issuer, own, { expiresIn: 3 * 3600 })
    const shortLived = await createClient(issuer, own, { expiresIn: 3600 })
    const futureLong = await longLived.request({ iat: own.seconds + 7200 })
    const futureShort = await shortLived.request({ iat: own.seconds + 7200 })
    await expectRefusal(later.verify(futureLong), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
    own.advance(7200)
    await expect(later.verify(futureLong)).resolves.toBeDefined()
    await expectRefusal(later.verify(futureShort), { status: 401, error: 'invalid_token', code: 'ERR_JWT_EXPIRED' })
  })

  it('C41 ath missing is refused', async () => {
    await expectRefusal(guard.verify(await client.request({ claims: { ath: undefined } })), invalidProof('ERR_DPOP_CLAIM_INVALID'))
  })

  it('C42 ath wrong, in standard base64 with padding, or the hash of another token of the same client is refused', async () => {
    const sameClientOtherToken = await boundToken(issuer, clock, client.key.thumbprint)
    const padded = Buffer.from(accessTokenHash(client.token), 'base64url').toString('base64')
    for (const ath of [accessTokenHash('x'), padded, accessTokenHash(sameClientOtherToken), accessTokenHash(client.token).toUpperCase(), '']) {
      await expectRefusal(guard.verify(await client.request({ claims: { ath } })), invalidProof('ERR_DPOP_ATH_MISMATCH'))
    }
  })

  it('DPOP-15 ath must be the hash of the presented token', async () => {
    const sameClientOtherToken = await boundToken(issuer, clock, client.key.thumbprint)
    await expectRefusal(guard.verify(await client.request({ accessToken: sameClientOtherToken })), invalidProof('ERR_DPOP_ATH_MISMATCH'))
    await expect(guard.verify(await client.request({ accessToken: client.token }))).resolves.toBeDefined()
  })

  it('C48 unknown extra header parameters and claims are accepted', async () => {
    const request = await client.request({
      header: { kid: 'client-key-1', 'x-extra': { nested: [1, 2] }, x5t: 'ignored' },
      claims: { foo: 1, bar: { baz: 'qux' }, client_id: 'client-1' },
    })
    await expect(guard.verify(request)).resolves.toBeDefined()
  })

  it('C49 nbf = now and exp = now + 5 min are accepted; an expired exp or a future nbf is refused', async () => {
    const now = clock.seconds
    await expect(guard.verify(await client.request({ claims: { nbf: now, exp: now + 300 } }))).resolves.toBeDefined()
    for (const claims of [{ exp: now - 10 }, { exp: 'later' }, { nbf: now + 60 }, { nbf: '0' }]) {
      await expectRefusal(guard.verify(await client.request({ claims })), invalidProof('ERR_DPOP_IAT_OUT_OF_WINDOW'))
    }
  })

  it('C52 a proof naming its key by jku, x5u or kid instead of jwk is refused, and nothing is fetched', async () => {
    const urls: string[] = []
    const recording: typeof fetch = (input, init) => {
      urls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
      return globalThis.fetch(input, init)
    }
    const watched = freshGuard({ fetch: recording })
    await expect(watched.verify(await client.request())).resolves.toBeDefined()
    for (const header of [
      { jwk: undefined, jku: 'http://127.0.0.1:9/jwks.json' },
      { jwk: undefined, x5u: 'http://169.254.169.254/latest/meta-data' },
      { jwk: undefined, kid: 'client-key-1' },
      { jwk: undefined, x5c: ['MIIB'] },
    ]) {
      await expectRefusal(watched.verify(await client.request({ header })), invalidProof('ERR_DPOP_JWK_INVALID'))
    }
    expect(urls.length).toBeGreaterThan(0)
    expect(urls.every((url) => url.startsWith(issuer.issuer))).toBe(true)
  })

  it('DPOP-23 Proxy-Authorization: DPoP with a proof and no Authorization is unauthenticated', async () => {
    await expectRefusal(guard.verify({ method: 'GET', url: API, headers: { 'proxy-authorization': `DPoP ${client.token}`, dpop: await client.proof() } }), {
      status: 401,
      error: undefined,
      code: 'ERR_NO_CREDENTIALS',
      challenge: `Bearer realm="api", DPoP algs="${ALGS}"`,
    })
  })

  it('DPOP-25 challenges: no credentials carry no error; a failed Bearer token puts it in Bearer; two methods are 400 in both', async () => {
    await expectRefusal(guard.verify({ method: 'GET', url: API, headers: {} }), {
      status: 401,
      error: undefined,
      code: 'ERR_NO_CREDENTIALS',
      challenge: `Bearer realm="api", DPoP algs="${ALGS}"`,
    })
    await expectRefusal(guard.verify({ method: 'GET', url: API, headers: { authorization: 'Bearer INVALID_TOKEN' } }), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_TOKEN_MALFORMED',
      challenge: BEARER_INVALID_TOKEN,
    })
    const both = { method: 'GET', url: API, headers: { authorization: [`Bearer ${client.token}`, `DPoP ${client.token}`], dpop: await client.proof() } }
    await expectRefusal(guard.verify(both), {
      status: 400,
      error: 'invalid_request',
      code: 'ERR_AUTHORIZATION_DUPLICATED',
      challenge: new RegExp(
        `^Bearer realm="api", error="invalid_request", error_description="[^"]*", DPoP error="invalid_request", error_description="[^"]*", algs="${ALGS}"$`,
      ),
    })
  })

  it('C51 after every negative above, a fresh correct proof still works', async () => {
    const auth = await guard.verify(await client.request())
    expect(auth.binding).toEqual({ dpop: { jkt: client.key.thumbprint } })
    const theirs = await guard.verify(await other.request())
    expect(theirs.binding).toEqual({ dpop: { jkt: other.key.thumbprint } })
  })
})

/** Proof algorithms, keys and signatures: crypto under test, so on both entries (node:crypto and Web Crypto). */
describe.each(backends)('DPoP proof signatures through guard.verify ($name)', ({ createGuard }) => {
  const clock = new TestClock()
  let guard: Guard
  let client: Client
  let other: Client

  beforeAll(async () => {
    guard = createGuard(guardOptions(issuer, clock))
    client = await createClient(issuer, clock)
    other = await createClient(issuer, clock)
  })

  /** A fresh guard with options on top of the suite's, and its own clock. */
  function freshGuard(extra: Parameters<typeof guardOptions>[2] = {}, ownClock = clock): Guard {
    return createGuard(guardOptions(issuer, ownClock, extra))
  }
  it('DPOP-20 happy path: a DPoP-bound token with a fresh proof is accepted and reports its binding', async () => {
    const auth = await guard.verify(await client.request())
    expect(auth.binding).toEqual({ dpop: { jkt: client.key.thumbprint } })
    expect(auth.source).toBe('jwt')
    expect(auth.responseHeaders).toEqual({})
  })

  it('C07 alg "none" is refused: with an empty signature as malformed, with any signature as a disallowed alg', async () => {
    const claims = proofClaims(client.token, clock.seconds)
    const unsigned = await handProof({ typ: 'dpop+jwt', alg: 'none', jwk: client.key.publicJwk }, claims, null)
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: unsigned })), invalidProof('ERR_DPOP_PROOF_MALFORMED'))
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const proof = await handProof({ typ: 'dpop+jwt', alg, jwk: client.key.publicJwk }, proofClaims(client.token, clock.seconds), dpopKeySigner(client.key))
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_ALG_NOT_ALLOWED'))
    }
  })

  it('C08 a symmetric alg (HS256 with an oct jwk) is refused', async () => {
    const secret = Buffer.from('a-shared-secret-of-32-bytes-long')
    const oct = { kty: 'oct', k: b64u(secret) }
    const hmac = (input: string) => new Uint8Array(createHmac('sha256', secret).update(input).digest())
    const proof = await handProof({ typ: 'dpop+jwt', alg: 'HS256', jwk: oct }, proofClaims(client.token, clock.seconds), hmac)
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_ALG_NOT_ALLOWED'))
    // The same with the public EC jwk: still a MAC algorithm.
    const withEcJwk = await handProof({ typ: 'dpop+jwt', alg: 'HS256', jwk: client.key.publicJwk }, proofClaims(client.token, clock.seconds), hmac)
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: withEcJwk })), invalidProof('ERR_DPOP_ALG_NOT_ALLOWED'))
  })

  it('C09 an asymmetric alg outside the profile (RS256 under fapi2) is refused and the challenge advertises algs', async () => {
    const rsa = await createClient(issuer, clock, { alg: 'RS256' })
    await expectRefusal(guard.verify(await rsa.request()), {
      status: 401,
      error: 'invalid_dpop_proof',
      code: 'ERR_DPOP_ALG_NOT_ALLOWED',
      challenge: dpopChallenge('invalid_dpop_proof', "the DPoP proof 'alg' is not an allowed algorithm", 'PS256 ES256 EdDSA Ed25519'),
    })
  })

  it('DPOP-08 none, HS256, and RS256 under a [ES256, PS256] policy are refused; the challenge says algs="ES256 PS256"', async () => {
    const strict = freshGuard({ dpop: { algorithms: ['ES256', 'PS256'] } })
    const rsa = await createClient(issuer, clock, { alg: 'RS256' })
    const ed = await createClient(issuer, clock, { alg: 'EdDSA' })
    const expected = { status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_ALG_NOT_ALLOWED', challenge: dpopChallenge('invalid_dpop_proof', undefined, 'ES256 PS256') } as const
    await expectRefusal(strict.verify(await rsa.request()), expected)
    await expectRefusal(strict.verify(await ed.request()), expected)
    const none = await handProof({ typ: 'dpop+jwt', alg: 'none', jwk: client.key.publicJwk }, proofClaims(client.token, clock.seconds), dpopKeySigner(client.key))
    await expectRefusal(strict.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: none })), expected)
    await expect(strict.verify(await client.request())).resolves.toBeDefined()
  })

  it('DPOP-41 the algs advertised equal the proof algorithms accepted', async () => {
    const es256Only = freshGuard({ dpop: { algorithms: ['ES256'] } })
    const ps = await createClient(issuer, clock, { alg: 'PS256' })
    await expectRefusal(es256Only.verify(await ps.request()), {
      status: 401,
      error: 'invalid_dpop_proof',
      code: 'ERR_DPOP_ALG_NOT_ALLOWED',
      challenge: dpopChallenge('invalid_dpop_proof', undefined, 'ES256'),
    })
    await expect(es256Only.verify(await client.request())).resolves.toBeDefined()
    // The default (fapi2) advertises PS256 ES256 EdDSA Ed25519, and takes proofs signed with each.
    for (const alg of ['PS256', 'ES256', 'EdDSA'] as const) {
      const holder = await createClient(issuer, clock, { alg })
      await expect(guard.verify(await holder.request())).resolves.toMatchObject({ binding: { dpop: { jkt: holder.key.thumbprint } } })
    }
  })

  it('C10 alg ES256 with an RSA jwk is refused', async () => {
    const rsa = await createDPoPKey('PS256')
    const proof = await client.proof({ header: { jwk: rsa.publicJwk } })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_JWK_INVALID'))
    // And a P-384 key under ES256, a jwk that names another alg, a jwk meant for encryption.
    const p384 = await createDPoPKey('ES384')
    for (const jwk of [p384.publicJwk, { ...client.key.publicJwk, alg: 'ES384' }, { ...client.key.publicJwk, use: 'enc' }, { ...client.key.publicJwk, key_ops: ['encrypt'] }]) {
      const mismatched = await client.proof({ header: { jwk } })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: mismatched })), invalidProof('ERR_DPOP_JWK_INVALID'))
    }
  })

  it('C13 an OKP jwk on another curve than Ed25519, and an EC point off the curve, are refused', async () => {
    const ed = await createClient(issuer, clock, { alg: 'EdDSA' })
    for (const type of ['x25519', 'ed448', 'x448'] as const) {
      const jwk = generateKeyPairSync(type as 'x25519').publicKey.export({ format: 'jwk' })
      const proof = await ed.proof({ header: { jwk } })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: ed.token, proof })), invalidProof('ERR_DPOP_JWK_INVALID'))
    }
    const key = await nodeProofKey()
    const y = Buffer.from(key.publicJwk.y as string, 'base64url')
    y[31] = (y[31] as number) ^ 0x01
    const offCurve: JWK = { ...key.publicJwk, y: y.toString('base64url') }
    const token = await boundToken(issuer, clock, await calculateJwkThumbprint(offCurve, 'sha256'))
    const proof = await handProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: offCurve }, proofClaims(token, clock.seconds), es256Signer(key.privateKey))
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token, proof })), invalidProof('ERR_DPOP_JWK_INVALID'))
    // An EC jwk missing its y coordinate has no thumbprint and no key.
    const noY = await client.proof({ header: { jwk: { kty: 'EC', crv: 'P-256', x: client.key.publicJwk.x } } })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: noY })), invalidProof('ERR_DPOP_JWK_INVALID'))
  })

  it('C14 a corrupted signature is refused', async () => {
    const proof = flipSignatureBit(await client.proof())
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_SIGNATURE_INVALID'))
  })

  it('DPOP-09 a proof signed by another key than its jwk is refused', async () => {
    const stranger = await createDPoPKey('ES256')
    const proof = await handProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: client.key.publicJwk }, proofClaims(client.token, clock.seconds), dpopKeySigner(stranger))
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), invalidProof('ERR_DPOP_SIGNATURE_INVALID'))
  })

  it('C15 a proof signed with another key than cnf.jkt: 401 invalid_token "Invalid DPoP key binding" in the DPoP challenge', async () => {
    const stranger = await createDPoPKey('ES256')
    const proof = await createDPoPProof({ key: stranger, method: 'GET', url: API, accessToken: client.token, iat: clock.seconds })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_KEY_MISMATCH',
      challenge: `Bearer realm="api", DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="${ALGS}"`,
    })
  })

  it('DPOP-16 with DPoP required and algs ES256, a key mismatch answers exactly the RFC 9449 §7.1 challenge', async () => {
    const dpopOnly = freshGuard({ dpop: { required: true, algorithms: ['ES256'] } })
    const stranger = await createDPoPKey('ES256')
    const proof = await createDPoPProof({ key: stranger, method: 'GET', url: API, accessToken: client.token, iat: clock.seconds })
    await expectRefusal(dpopOnly.verify(requestLike({ scheme: 'DPoP', token: client.token, proof })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_KEY_MISMATCH',
      challenge: 'DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"',
    })
    await expect(dpopOnly.verify(await client.request())).resolves.toBeDefined()
  })

  it('C50 client A\'s DPoP key with client B\'s access token is an invalid key binding', async () => {
    const proof = await createDPoPProof({ key: client.key, method: 'GET', url: API, accessToken: other.token, iat: clock.seconds })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: other.token, proof })), {
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_KEY_MISMATCH',
      challenge: dpopChallenge('invalid_token', 'Invalid DPoP key binding'),
    })
  })

  it('C17 cnf.jkt must be the RFC 7638 thumbprint: extra members, another member order, or padding never match', async () => {
    const hash = (text: string) => createHash('sha256').update(text).digest('base64url')
    const jwk = client.key.publicJwk
    const withExtras = hash(JSON.stringify({ ...jwk, alg: 'ES256', kid: 'k1' }))
    const otherOrder = hash(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }))
    expect(hash(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))).toBe(client.key.thumbprint)
    for (const jkt of [withExtras, otherOrder]) {
      const token = await boundToken(issuer, clock, jkt)
      const proof = await createDPoPProof({ key: client.key, method: 'GET', url: API, accessToken: token, iat: clock.seconds })
      await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token, proof })), { status: 401, error: 'invalid_token', code: 'ERR_DPOP_KEY_MISMATCH' })
    }
    const padded = await boundToken(issuer, clock, `${client.key.thumbprint}=`)
    const paddedProof = await createDPoPProof({ key: client.key, method: 'GET', url: API, accessToken: padded, iat: clock.seconds })
    await expectRefusal(guard.verify(requestLike({ scheme: 'DPoP', token: padded, proof: paddedProof })), { status: 401, error: 'invalid_token', code: 'ERR_CNF_INVALID' })
    // Extra members in the proof's jwk do not change its thumbprint.
    const decorated = await client.proof({ header: { jwk: { ...jwk, kid: 'k1', alg: 'ES256', use: 'sig' } } })
    await expect(guard.verify(requestLike({ scheme: 'DPoP', token: client.token, proof: decorated }))).resolves.toBeDefined()
  })
})
