import type { JWK } from 'jose'
import { LRUCache } from 'lru-cache'
import { checkAlg, checkCrit, checkTyp } from '../access-token/check-jws-header.js'
import { parseCompactJWS, parseCompactJWSBody, type CompactJWS, type CompactJWSBody } from '../access-token/parse-compact-jws.js'
import { Diagnosis, quote } from '../errors/diagnosis.js'
import { GuardError, isGuardError } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import { PRIVATE_JWK_MEMBERS } from '../keys/check-key-strength.js'
import { fitsAlgorithm, readKeySet } from '../keys/select-key.js'
import { isPlainObject, timingSafeEqualString } from '../lib/encoding.js'
import { TOKEN68 } from '../request/parse-authorization.js'
import { readHeaderValues } from '../request/read-headers.js'
import { explainRequestURL, resolveRequestURL, type RequestURLRules } from '../request/resolve-request-url.js'
import { ReplayStoreFullError, type ReplayStore } from '../replay/replay-store.js'
import { callStore, TIMED_OUT } from '../lib/bounded.js'
import type { RequestLike } from '../types.js'
import { checkNonce, mintNonce, type NonceRules } from './dpop-nonce.js'
import { jwkThumbprint } from './jwk-thumbprint.js'
import { normalizeHtu } from './normalize-htu.js'

/** Seconds a proof is accepted after its `iat` (`dpop.proofMaxAge`). */
export const DEFAULT_PROOF_MAX_AGE = 300
/** Seconds a proof's `iat` may lie ahead (FAPI 2.0 §5.3.2.1: up to 10 s ahead must be accepted). */
export const PROOF_MAX_FUTURE = 10
/** Longest DPoP proof read, in characters (a proof with an RSA-4096 `jwk` is ~2.5 KB). */
export const MAX_PROOF_LENGTH = 8192
/** Checked proof headers remembered (`DPoPRules.headerCache`), with their imported keys. */
export const PROOF_HEADER_CACHE_SIZE = 1000
/** Characters of header segments that cache may hold at once (1 000 RSA-4096 headers are ~1.2 MB). */
export const PROOF_HEADER_CACHE_CHARACTERS = 2_000_000

/** DPoP rules fixed at `createGuard`. */
export interface DPoPRules {
  readonly algorithms: ReadonlySet<string>
  /** Seconds a proof is accepted after its `iat`. */
  readonly proofMaxAge: number
  /** Seconds a proof's `iat` may lie ahead of now (on top of `clockTolerance`). */
  readonly proofMaxFuture: number
  readonly clockTolerance: number
  readonly nonce: NonceRules | undefined
  readonly replayStore: ReplayStore
  readonly requestURL: RequestURLRules
  readonly maxProofLength: number
  readonly backend: CryptoBackend
  /** Headers that passed their checks, by header segment, with their keys once imported (see `readProof`). */
  readonly headerCache: LRUCache<string, CheckedProofHeader>
}

/**
 * A proof's JOSE header once it passed §4.3 checks 2 (`crit`), 4, 5 and 7, with what follows from it.
 * Every check it passed depends on the header segment (the text before the first `.`) and the guard's
 * rules alone, and a client signs all its proofs with one key and one header: so the outcome is
 * remembered by the segment, and a client's next proofs skip decoding the header, the key checks (an
 * on-curve check costs ~5 µs) and the thumbprint. The claims and the signature are checked on every proof.
 */
export interface CheckedProofHeader {
  readonly segment: string
  readonly alg: string
  readonly jwk: JWK
  /** The RFC 7638 thumbprint of `jwk`; `undefined` when it lacks a required member. */
  readonly thumbprint: string | undefined
  /** The backend's key, imported when a signature first needs it (importing a P-256 key costs as much as a verify). */
  imported?: Promise<unknown>
}

/** A verified proof: the key it was signed with, and headers to send on success. */
export interface VerifiedDPoPProof {
  readonly jkt: string
  readonly responseHeaders: Record<string, string>
}

/** Longest a replay store may take to answer before the request is refused (503): a hung store must not hang requests. */
export const REPLAY_STORE_TIMEOUT_MS = 2000

/** Largest `jti` accepted (RFC 9449 §11.1: large values are refused, and only a hash is stored). */
export const MAX_JTI_LENGTH = 512

function invalid(code: ConstructorParameters<typeof GuardError>[0], description: string, cause?: Diagnosis): GuardError {
  return new GuardError(code, description, { cause })
}

/** §4.3 check 1: exactly one `DPoP` header holding one token68 value (a comma means several proofs). */
export function readDPoPHeader(request: RequestLike, maxLength: number): string {
  const values = readHeaderValues(request.headers, 'dpop')
  if (values.length === 0) throw invalid('ERR_DPOP_PROOF_MISSING', 'the request has no DPoP proof')
  const value = values[0] as string
  if (values.length > 1 || value.includes(',')) throw invalid('ERR_DPOP_PROOF_DUPLICATED', 'the request has more than one DPoP proof')
  if (value.length > maxLength) throw invalid('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof is too large')
  if (!TOKEN68.test(value)) throw invalid('ERR_DPOP_PROOF_MALFORMED', 'the DPoP header is not a single JWT')
  return value
}

/**
 * §4.3 check 2: a compact JWS with JSON header and claims, every segment canonical base64url (one
 * proof, one spelling); and no `crit` extension is understood, so a header naming any is refused
 * (RFC 7515 §4.1.11).
 */
export function parseProof(proof: string): CompactJWS {
  let parsed: CompactJWS
  try {
    parsed = parseCompactJWS(proof)
  } catch {
    throw invalid('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof is not a well-formed JWT')
  }
  checkCrit(parsed.header, () => invalid('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof header "crit" names extensions not understood'))
  return parsed
}

/**
 * §4.3 checks 2, 4, 5 and 7: the proof parsed strictly and its header checked, or — for a header
 * segment that passed them before — found in `rules.headerCache` and only the claims and signature
 * parsed. Either way a proof is refused for the same reasons in the same order.
 */
export async function readProof(value: string, rules: DPoPRules): Promise<{ header: CheckedProofHeader; body: CompactJWSBody }> {
  const segment = value.slice(0, Math.max(value.indexOf('.'), 0))
  const known = segment === '' ? undefined : rules.headerCache.get(segment)
  if (known !== undefined) {
    try {
      return { header: known, body: parseCompactJWSBody(value) }
    } catch {
      throw invalid('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof is not a well-formed JWT')
    }
  }
  const proof = parseProof(value)
  checkProofTyp(proof.header)
  const alg = checkProofAlg(proof.header, rules)
  const jwk = checkProofJWK(proof.header, alg)
  const header: CheckedProofHeader = { segment, alg, jwk, thumbprint: await jwkThumbprint(jwk, rules.backend) }
  rules.headerCache.set(segment, header)
  return { header, body: proof }
}

const DPOP_JWT: ReadonlySet<string | undefined> = new Set(['dpop+jwt'])

/** §4.3 check 4: `typ` is `dpop+jwt` (media-type comparison). */
export function checkProofTyp(header: Record<string, unknown>): void {
  checkTyp(header, DPOP_JWT, () => invalid('ERR_DPOP_TYP_INVALID', 'the DPoP proof "typ" is not "dpop+jwt"'))
}

/** §4.3 check 5: `alg` is an allowed asymmetric algorithm; `none` and HMAC never are. */
export function checkProofAlg(header: Record<string, unknown>, rules: DPoPRules): string {
  return checkAlg(header, rules.algorithms, () => invalid('ERR_DPOP_ALG_NOT_ALLOWED', 'the DPoP proof "alg" is not an allowed algorithm'))
}

/**
 * §4.3 checks 5 and 7: `jwk` is a public key that fits `alg` and passes `checkPublicKeyStrength` (the
 * issuer keys' rule: no RSA under 2048 bits or with an exponent outside 65537…2^32 + 1, no EC point
 * off its curve, no Ed25519 small-order or non-canonical point), before any backend imports it.
 */
export function checkProofJWK(header: Record<string, unknown>, alg: string): JWK {
  const { jwk } = header
  if (!isPlainObject(jwk)) throw invalid('ERR_DPOP_JWK_INVALID', 'the DPoP proof has no "jwk" header')
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    throw invalid('ERR_DPOP_JWK_INVALID', 'the DPoP proof "jwk" is not a public key')
  }
  const [entry] = readKeySet({ keys: [jwk] })
  if (entry === undefined || !fitsAlgorithm(entry, alg)) {
    throw invalid('ERR_DPOP_JWK_INVALID', 'the DPoP proof "jwk" does not fit its "alg"')
  }
  if (entry.weakness !== undefined) throw invalid('ERR_DPOP_JWK_INVALID', `the DPoP proof "jwk" is refused: ${entry.weakness}`)
  return jwk as JWK
}

/** §4.2–4.3 checks 3, 8: required claims are present with the right types, and `htm` is the method. */
export function checkProofClaims(payload: Record<string, unknown>, method: string): { jti: string; iat: number; htu: string; ath: string } {
  const { jti, htm, htu, iat, ath } = payload
  if (typeof jti !== 'string' || jti.length === 0) throw invalid('ERR_DPOP_CLAIM_INVALID', 'the DPoP proof "jti" is missing')
  if (jti.length > MAX_JTI_LENGTH) throw invalid('ERR_DPOP_CLAIM_INVALID', `the DPoP proof "jti" is longer than ${MAX_JTI_LENGTH} characters`)
  if (typeof htm !== 'string') throw invalid('ERR_DPOP_CLAIM_INVALID', 'the DPoP proof "htm" is missing')
  if (typeof htu !== 'string') throw invalid('ERR_DPOP_CLAIM_INVALID', 'the DPoP proof "htu" is missing')
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('ERR_DPOP_CLAIM_INVALID', 'the DPoP proof "iat" is missing or not a number')
  if (typeof ath !== 'string') throw invalid('ERR_DPOP_CLAIM_INVALID', 'the DPoP proof "ath" is missing')
  if (htm !== method) throw invalid('ERR_DPOP_HTM_MISMATCH', 'the DPoP proof "htm" does not match the request method')
  return { jti, iat, htu, ath }
}

/** §4.3 check 9: `htu` equals the URL the client addressed, both normalized, query and fragment ignored. */
export function checkProofHtu(htu: string, request: RequestLike, rules: DPoPRules): void {
  const url = resolveRequestURL(request, rules.requestURL)
  const expected = normalizeHtu(url)
  const actual = normalizeHtu(htu)
  if (expected === undefined || actual === undefined || actual !== expected) {
    const computed = expected ?? url.split(/[?#]/)[0]
    const cause = new Diagnosis(
      `the API computed ${quote(computed)} for this request, ${explainRequestURL(request, rules.requestURL)}; the proof's "htu" is ${quote(actual ?? htu.split(/[?#]/)[0])}`,
    )
    throw invalid('ERR_DPOP_HTU_MISMATCH', 'the DPoP proof "htu" does not match the request URL', cause)
  }
}

/** §4.3 check 11, §11.1: `iat` no older than `proofMaxAge`, no further ahead than `proofMaxFuture`; `exp`/`nbf` honoured if present. */
export function checkProofTime(payload: Record<string, unknown>, iat: number, now: number, rules: DPoPRules): void {
  const tolerance = rules.clockTolerance
  if (iat < now - rules.proofMaxAge - tolerance || iat > now + rules.proofMaxFuture + tolerance) {
    throw invalid('ERR_DPOP_IAT_OUT_OF_WINDOW', 'the DPoP proof "iat" is outside the accepted window')
  }
  const { exp, nbf } = payload
  if (exp !== undefined && (typeof exp !== 'number' || !(exp > now - tolerance))) {
    throw invalid('ERR_DPOP_IAT_OUT_OF_WINDOW', 'the DPoP proof has expired')
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || !(nbf <= now + tolerance))) {
    throw invalid('ERR_DPOP_IAT_OUT_OF_WINDOW', 'the DPoP proof is not valid yet')
  }
}

/** §4.3 check 12a: `ath` is base64url(SHA-256(access token)); `tokenHash` is that value when step 3 already computed it. */
export async function checkProofAth(ath: string, token: string, backend: CryptoBackend, tokenHash?: string): Promise<void> {
  const expected = tokenHash ?? (await backend.sha256Base64url(token))
  if (!timingSafeEqualString(ath, expected)) throw invalid('ERR_DPOP_ATH_MISMATCH', 'the DPoP proof "ath" does not match the access token')
}

/** §4.3 check 12b, §6.1: the proof key's thumbprint is the token's `cnf.jkt`. */
export function checkProofKeyBinding(thumbprint: string, jkt: string): void {
  if (!timingSafeEqualString(thumbprint, jkt)) throw invalid('ERR_DPOP_KEY_MISMATCH', 'Invalid DPoP key binding')
}

/** §4.3 check 6: the signature verifies with the header's `jwk` (imported once per checked header). */
export async function checkProofSignature(proof: CompactJWSBody, header: CheckedProofHeader, rules: DPoPRules): Promise<void> {
  header.imported ??= rules.backend.importKey(header.jwk, header.alg)
  let key: unknown
  try {
    key = await header.imported
  } catch {
    rules.headerCache.delete(header.segment)
    throw invalid('ERR_DPOP_JWK_INVALID', 'the DPoP proof "jwk" is not a usable public key')
  }
  if (!(await rules.backend.verify(header.alg, key, proof.signature, proof.signingInput))) {
    throw invalid('ERR_DPOP_SIGNATURE_INVALID', 'the DPoP proof signature does not verify')
  }
}

/** §4.3 check 10, §8–9: with server nonces on, the proof carries a current one; a stale-soon one is refreshed. */
export async function checkProofNonce(
  payload: Record<string, unknown>,
  now: number,
  rules: DPoPRules,
): Promise<Record<string, string>> {
  const nonceRules = rules.nonce
  if (nonceRules === undefined) return {}
  const { nonce } = payload
  const state = typeof nonce === 'string' ? await checkNonce(rules.backend, nonceRules, nonce, now) : 'invalid'
  if (state === 'current') return {}
  const fresh = await mintNonce(rules.backend, nonceRules, now)
  if (state === 'stale-soon') return { 'dpop-nonce': fresh, 'cache-control': 'no-store' }
  const code = nonce === undefined ? 'ERR_DPOP_NONCE_REQUIRED' : 'ERR_DPOP_NONCE_INVALID'
  const description = nonce === undefined ? 'Resource server requires nonce in DPoP proof' : 'the DPoP proof nonce is not current'
  throw new GuardError({ code, description, headers: { 'dpop-nonce': fresh } })
}

/** §11.1: the `jti` is used once per key inside the proof's window; the store keeps a hash, never the `jti`. */
export async function checkProofReplay(jkt: string, jti: string, iat: number, rules: DPoPRules): Promise<void> {
  const key = await rules.backend.sha256Base64url(`${jkt}:${jti}`)
  const expiresAt = (iat + rules.proofMaxAge + rules.clockTolerance) * 1000
  let first: boolean | typeof TIMED_OUT
  try {
    first = await callStore(rules.replayStore, (store) => store.useOnce(key, expiresAt), REPLAY_STORE_TIMEOUT_MS)
  } catch (error) {
    if (isGuardError(error)) throw error
    // By name too: a store built on another copy of this package (ESM beside CommonJS) throws its own class.
    if (error instanceof ReplayStoreFullError || (error instanceof Error && error.name === 'ReplayStoreFullError')) {
      throw invalid('ERR_REPLAY_STORE_FULL', 'the DPoP replay store is full; try again later')
    }
    throw invalid('ERR_REPLAY_STORE_UNAVAILABLE', 'the DPoP replay store is unavailable')
  }
  if (first === TIMED_OUT) throw invalid('ERR_REPLAY_STORE_UNAVAILABLE', 'the DPoP replay store did not answer in time')
  if (!first) throw invalid('ERR_DPOP_PROOF_REPLAYED', 'the DPoP proof was already used')
}

/**
 * RFC 9449 §4.3 and §7.1 for a DPoP-bound token: every check of the proof, cheapest first, the
 * signature once the cheap ones passed, the key binding, the nonce, and the `jti` replay check last
 * (so a proof refused for another reason does not use up its `jti`). `now` in seconds.
 */
export async function verifyDPoPProof(
  request: RequestLike,
  token: string,
  jkt: string,
  now: number,
  rules: DPoPRules,
  tokenHash?: string,
): Promise<VerifiedDPoPProof> {
  const { header, body } = await readProof(readDPoPHeader(request, rules.maxProofLength), rules)
  const { jti, iat, htu, ath } = checkProofClaims(body.payload, request.method)
  checkProofHtu(htu, request, rules)
  checkProofTime(body.payload, iat, now, rules)
  await checkProofAth(ath, token, rules.backend, tokenHash)
  const { thumbprint } = header
  if (thumbprint === undefined) throw invalid('ERR_DPOP_JWK_INVALID', 'the DPoP proof "jwk" lacks required members')
  await checkProofSignature(body, header, rules)
  checkProofKeyBinding(thumbprint, jkt)
  const responseHeaders = await checkProofNonce(body.payload, now, rules)
  await checkProofReplay(thumbprint, jti, iat, rules)
  return { jkt: thumbprint, responseHeaders }
}
