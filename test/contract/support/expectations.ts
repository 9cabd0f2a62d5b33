import { expect } from 'vitest'
import type { Fixtures } from './fixtures.js'
import { METADATA_URL } from './fixtures.js'
import type { Answer } from './target.js'

/** Where an OAuth error goes in `WWW-Authenticate`: the scheme the client used, or both when that is unknown. */
export type ChallengeScheme = 'Bearer' | 'DPoP' | 'both'

/** What a case expects of every adapter. */
export interface Expected {
  readonly status: number
  /** `WWW-Authenticate` (matched whole), or `null` when there must be none. */
  readonly challenge: RegExp | null
  /** The JSON body (asymmetric matchers allowed), or a function of the fixtures giving it. */
  readonly body: unknown
  /** A `DPoP-Nonce` header with a syntactically valid nonce must be there (RFC 9449 §8). Default: absent. */
  readonly nonce?: boolean
  /** `x-fapi-interaction-id`: the client's `echoed`, a `generated` UUID, or `null` (none). Default `generated`. */
  readonly interactionId?: 'echoed' | 'generated' | null
  /** A `Retry-After` of whole seconds must be there. Default: absent. */
  readonly retryAfter?: boolean
  /** `Cache-Control`, compared only when given here (every refusal builder gives `no-store`). */
  readonly cacheControl?: string
}

/** An answer reduced to what every adapter must agree on; nonces and generated ids reduced to their validity. */
export interface Normalized {
  readonly status: number
  readonly wwwAuthenticate: string | null
  readonly dpopNonce: string | null
  readonly interactionId: string | null
  readonly retryAfter: string | null
  readonly cacheControl?: string | null
  readonly json: boolean
  readonly body: unknown
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
/** RFC 9449 §8.1: `nonce = 1*NQCHAR`. */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** Reduces an answer; `sentInteractionId` is the `x-fapi-interaction-id` the (last) request carried. */
export function normalize(answer: Answer, sentInteractionId: string | undefined, withCacheControl: boolean): Normalized {
  const nonce = answer.headers['dpop-nonce']
  const id = answer.headers['x-fapi-interaction-id']
  return {
    status: answer.status,
    wwwAuthenticate: answer.headers['www-authenticate'] ?? null,
    dpopNonce: nonce === undefined ? null : NONCE.test(nonce) ? 'valid' : `invalid: ${nonce}`,
    interactionId: id === undefined ? null : id === sentInteractionId ? 'echoed' : UUID.test(id) ? 'generated' : `unexpected: ${id}`,
    retryAfter: answer.headers['retry-after'] ?? null,
    ...(withCacheControl && { cacheControl: answer.headers['cache-control'] ?? null }),
    json: answer.contentType !== undefined && /^application\/json\b/.test(answer.contentType),
    body: answer.body,
  }
}

/** The normalized answer a case expects (with matchers where the exact value is not the point). */
export function expectedAnswer(expected: Expected, fixtures: Fixtures): unknown {
  return {
    status: expected.status,
    wwwAuthenticate: expected.challenge === null ? null : expect.stringMatching(expected.challenge),
    dpopNonce: expected.nonce === true ? 'valid' : null,
    interactionId: expected.interactionId === undefined ? 'generated' : expected.interactionId,
    retryAfter: expected.retryAfter === true ? expect.stringMatching(/^\d+$/) : null,
    ...(expected.cacheControl !== undefined && { cacheControl: expected.cacheControl }),
    json: true,
    body: typeof expected.body === 'function' ? (expected.body as (fixtures: Fixtures) => unknown)(fixtures) : expected.body,
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const resourceMetadata = (url: string) => `resource_metadata="${escape(url)}"`
/** The DPoP `algs` list is the profile's; its content is core's business, its presence the contract's. */
const ALGS = 'algs="[A-Za-z0-9 ]+"'

/** An OAuth error in a challenge: its code, a fragment of its description, and further auth-params (`scope="…"`). */
export interface ChallengeError {
  readonly error: string
  /** A fragment of the description; `null` when the guard sends none (`errorDescriptions: false`). */
  readonly description: string | null
  readonly scheme: ChallengeScheme
  readonly params?: readonly string[]
  /** The `resource_metadata` URL; default the suite's `METADATA_URL`. */
  readonly resourceMetadata?: string
}

/**
 * The whole `WWW-Authenticate` of the suite's guards (RFC 6750 §3, RFC 9449 §7.1, RFC 9728 §5.1): a
 * Bearer challenge with `realm`, a DPoP challenge with `algs`, `resource_metadata` in both, and the
 * error (when there is one) in the challenge of the scheme the client used.
 */
export function challenge(error?: ChallengeError, metadataUrl = error?.resourceMetadata ?? METADATA_URL): RegExp {
  const description = error?.description === null || error === undefined ? [] : [`error_description="[^"]*${escape(error.description)}[^"]*"`]
  const errorParams = error === undefined ? undefined : [`error="${escape(error.error)}"`, ...description, ...(error.params ?? []).map(escape)].join(', ')
  const inBearer = errorParams !== undefined && error?.scheme !== 'DPoP'
  const inDPoP = errorParams !== undefined && error?.scheme !== 'Bearer'
  const metadata = resourceMetadata(metadataUrl)
  const bearer = ['realm="api"', ...(inBearer ? [errorParams] : []), metadata].join(', ')
  const dpop = [...(inDPoP ? [errorParams] : []), ALGS, metadata].join(', ')
  return new RegExp(`^Bearer ${bearer}, DPoP ${dpop}$`)
}

/**
 * A refusal is never stored by a cache (RFC 9111 §5.2.2.5): it answers one request's credentials, and
 * a shared cache must not hand it, or its `DPoP-Nonce`, to another client.
 */
export const REFUSAL_CACHE_CONTROL = 'no-store'

/** A refusal with an OAuth error: status, challenge, `Cache-Control: no-store`, and the body `{ error, error_description }`. */
export function refusal(status: number, error: ChallengeError, extra: Partial<Expected> = {}): Expected {
  return {
    status,
    challenge: challenge(error),
    cacheControl: REFUSAL_CACHE_CONTROL,
    body: error.description === null ? { error: error.error } : { error: error.error, error_description: expect.stringContaining(error.description.replace(/'/g, '"')) },
    ...extra,
  }
}

/** No credentials (RFC 6750 §3.1): 401, the challenges without an error, `Cache-Control: no-store`, `{ "error": "unauthorized" }`. */
export function noCredentials(extra: Partial<Expected> = {}, metadataUrl?: string): Expected {
  return { status: 401, challenge: challenge(undefined, metadataUrl), cacheControl: REFUSAL_CACHE_CONTROL, body: { error: 'unauthorized' }, ...extra }
}

/** A refusal because a dependency is down (503): no challenge, a `Retry-After`, `Cache-Control: no-store`. */
export function unavailable(body: Expected['body']): Expected {
  return { status: 503, challenge: null, retryAfter: true, cacheControl: REFUSAL_CACHE_CONTROL, body }
}

/**
 * Let through without credentials (`passthrough`): 200, no challenge, the anonymous route body, and
 * no `x-fapi-interaction-id` — the route answered, not the guard.
 */
export function anonymous(body: unknown): Expected {
  return { status: 200, challenge: null, interactionId: null, body }
}

/** Let through: 200, no challenge, the route's body. */
export function accepted(body: (fixtures: Fixtures) => unknown, extra: Partial<Expected> = {}): Expected {
  return { status: 200, challenge: null, body, ...extra }
}
