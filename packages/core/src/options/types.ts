import type { JWK } from 'jose'
import type { DecisionEvent } from '../audit/decision-event.js'
import type { ClaimRequirement } from '../authorization/claim-requirements.js'
import type { IntrospectionAuthMethod } from '../introspection/authenticate-client.js'
import type { IntrospectionCacheStore } from '../introspection/introspection-cache.js'
import type { CertificateHeaderFormat } from '../request/read-certificate-header.js'
import type { ReplayStore } from '../replay/replay-store.js'
import type { AuthorizationDetailRequirement, JSONWebKeySet, JWSAlgorithm, Profile } from '../types.js'

// The options users write. Each default is named where it is used (the module that owns the rule);
// the TSDoc here states it for readers of the option.

/** One trusted authorization server. */
export interface IssuerOptions {
  /** Issuer identifier; the token's `iss` must equal it exactly (RFC 9068 §4). */
  issuer: string
  /** Where its keys are; without this and `jwks`, found by discovery (RFC 8414, then OpenID Connect). */
  jwksUri?: string
  /** Its keys, inline. */
  jwks?: JSONWebKeySet
  /** Token introspection at this issuer (RFC 7662). */
  introspection?: IntrospectionOptions
}

/** Token introspection (RFC 7662, RFC 9701) settings of one issuer. */
export interface IntrospectionOptions {
  /** Introspection endpoint. Default: the issuer metadata's `introspection_endpoint`. */
  endpoint?: string
  /** This resource server's client id at the issuer. */
  clientId: string
  /** Secret for `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string
  /** Client authentication. Default `client_secret_basic`. */
  authMethod?: IntrospectionAuthMethod
  /** Private JWK for `private_key_jwt` (its `alg` and `kid` are used when present). */
  privateKey?: JWK
  /** Client certificate and key (PEM) for `tls_client_auth` (Node build; elsewhere give a `fetch` that does mTLS). */
  certificate?: { cert: string; key: string }
  /** `jwt` asks for RFC 9701 signed responses and accepts nothing else. Default `json`. */
  responseFormat?: 'json' | 'jwt'
  /** `opaque` (default): JWTs are verified locally, other tokens introspected. `all`: JWTs are also introspected (revocation). */
  tokens?: 'opaque' | 'all'
  /**
   * Refuse an active answer without an `aud` naming this API (default `true`; RFC 9068 §4 holds JWTs to
   * the same). `false` only for an authorization server that never sends `aud`: it must then answer
   * `active: false` to this client for every token that is not an access token for this API (refresh
   * tokens are active too). An `aud` that is present is checked either way.
   */
  requireAudience?: boolean
  /**
   * The fixed start of this issuer's opaque tokens (e.g. Ory Hydra's `ory_at_`). Opaque tokens go to
   * exactly one issuer: the one whose prefix they start with, else the one issuer without a prefix;
   * with a prefix set, other opaque tokens are never sent to this issuer. Needed when several issuers
   * introspect (all but one of them); JWTs go by their verified `iss`, never by prefix.
   */
  tokenPrefix?: string
  /** `false`, or `{ ttl?, negativeTtl?, store?, max? }` (seconds; defaults 60 and 10; in-memory store of 10 000). */
  cache?: false | { ttl?: number; negativeTtl?: number; store?: IntrospectionCacheStore; max?: number }
  /** Milliseconds one introspection call may take. Default 5000. */
  timeout?: number
}

/** DPoP (RFC 9449) settings. */
export interface DPoPOptions {
  /** Refuse every token that is not DPoP-bound. */
  required?: boolean
  /** Proof signing algorithms accepted (and advertised in the challenge's `algs`). Default: the profile's. */
  algorithms?: JWSAlgorithm[]
  /** Seconds a proof is accepted after its `iat`. Default 300. */
  proofMaxAge?: number
  /** Server nonces (RFC 9449 §9): HMAC secret(s), newest first, each at least 32 bytes; `lifetime` in seconds (default 120). */
  nonce?: { secret: string | Uint8Array | ReadonlyArray<string | Uint8Array>; lifetime?: number }
  /** Where used proof `jti`s are remembered. Default: in memory, 1 000 000 live entries (`createMemoryReplayStore`). */
  replayStore?: ReplayStore
}

/** Which connections are trusted proxies, and the public URL when it is fixed. */
export interface ProxyOptions {
  /** Peers whose forwarded headers are believed: IPv4/IPv6 addresses, CIDR ranges, `'loopback'`. */
  trusted?: readonly string[]
  /** The public base URL clients address (origin and optional path prefix); overrides forwarded headers. */
  publicUrl?: string
  /**
   * The header family trusted proxies write the client's scheme and host in: `'x-forwarded'`
   * (`X-Forwarded-Proto/Host/Port/Prefix`, hops counted by `X-Forwarded-For`; nginx, AWS ALB, Envoy,
   * Traefik) or `'forwarded'` (RFC 7239, hops counted by `for=`). The other family is never read: a
   * proxy passes through what it does not write, so a client could have written it. Default `'x-forwarded'`.
   */
  forwardedHeaders?: 'x-forwarded' | 'forwarded'
  /**
   * The header a trusted proxy forwards the client certificate in: a built-in name
   * (`x-forwarded-client-cert` Envoy, `x-amzn-mtls-clientcert` AWS ALB, `x-ssl-client-cert` nginx
   * `$ssl_client_escaped_cert`, `client-cert` RFC 9440), or `{ name, format }` for another name.
   */
  certificateHeader?: 'x-forwarded-client-cert' | 'x-amzn-mtls-clientcert' | 'x-ssl-client-cert' | 'client-cert' | { name: string; format: CertificateHeaderFormat }
}

/** Certificate-bound token (RFC 8705) settings. */
export interface MTLSOptions {
  /** Refuse every token that is not certificate-bound. */
  required?: boolean
}

/** Options of `createGuard`. Checked once, when the guard is created. */
export interface GuardOptions {
  /** Trusted issuer(s): an identifier, an `IssuerOptions`, or an array of either. */
  issuer: string | IssuerOptions | ReadonlyArray<string | IssuerOptions>
  /** This API's identifier(s); the token's `aud` must contain one. */
  audience: string | readonly string[]
  /** Key set URL for a single issuer. */
  jwksUri?: string
  /** Inline key set for a single issuer. */
  jwks?: JSONWebKeySet
  /** Token introspection for a single issuer (RFC 7662). */
  introspection?: IntrospectionOptions
  /** `fapi2` (default), `fapi1-advanced` or `oauth2`. */
  profile?: Profile
  /** Access-token signing algorithms allowed; a subset of the profile's. */
  algorithms?: JWSAlgorithm[]
  /** Seconds of leeway on `exp`, `nbf`, `iat`. Default 5. */
  clockTolerance?: number
  /** Scopes every request needs. */
  scopes?: readonly string[]
  /** `false` turns the `DPoP` scheme off (DPoP-bound tokens are then refused, never let through). */
  dpop?: false | DPoPOptions
  /** `false` stops offering certificate binding (certificate-bound tokens are then refused, never let through). */
  mtls?: false | MTLSOptions
  /** RFC 9728 protected resource metadata: served by the adapters, advertised in every challenge. */
  resource?: {
    identifier: string
    name?: string
    documentation?: string
    scopes?: readonly string[]
    /** RFC 9396 authorization details types the API understands: `authorization_details_types_supported`. */
    authorizationDetailsTypes?: readonly string[]
  }
  /** Accepted `acr` values for every route (RFC 9470 step-up); per route with `requireAuthentication`. */
  acrValues?: readonly string[]
  /** Seconds allowed since the user authenticated (`auth_time`), for every route (RFC 9470). */
  maxAge?: number
  /** Claim requirements for every route (`claimEquals`, `claimIncludes`, `claimCheck`). */
  claims?: readonly ClaimRequirement[]
  /** RFC 9396 authorization details every route needs (`{ type, actions?, locations?, …, check? }`); `check` gets the request given to `verify`. */
  authorizationDetails?: readonly AuthorizationDetailRequirement[]
  /**
   * The claim scopes are read from: `scope` (space-delimited), `scp`, `permissions`, or another; or several,
   * tried in order, of which the first the token carries is read (`['scp', 'roles']`). Default: `scope`, else `scp`.
   */
  scopeClaim?: string | readonly string[]
  /**
   * The claim(s) `AuthContext.clientId` is read from, tried in order (`['azp', 'appid']`). Reading only: the
   * FAPI profiles still require `client_id` (RFC 9068 §2.2). Default `client_id`.
   */
  clientIdClaim?: string | readonly string[]
  /**
   * The claim `audience` is matched against: `aud` (default; RFC 9068 §4), or, under `oauth2` only, `client_id`
   * for issuers whose access tokens carry no `aud` (AWS Cognito). With `client_id`, a `token_use` claim must be
   * `access` and an `aud` that is present is checked as well.
   */
  audienceClaim?: 'aud' | 'client_id'
  /** Echo `x-fapi-interaction-id` (or send a new UUID) on every response. Default: on under `fapi1-advanced`, where FAPI 1.0 requires it. */
  interactionId?: boolean
  /** Called after every `verify` with what was decided and why; never with the token or a secret. */
  onDecision?: (event: DecisionEvent) => void
  /** Trusted proxies and the public URL, for the request URL DPoP proofs are checked against. */
  proxy?: ProxyOptions
  /** `realm` of the Bearer challenge. Default `"api"`. */
  realm?: string
  /** `false` leaves `error_description` out of challenges and bodies. Default `true`. */
  errorDescriptions?: boolean
  /** Longest access token accepted, in characters. Default 8192. */
  maxTokenLength?: number
  /** Furthest `exp` may lie ahead of now, in seconds. Default 86400. */
  maxTokenLifetime?: number
  /**
   * A token whose signature verified twice is remembered by SHA-256 until its `exp` (or until the
   * issuer's keys change), so from its third presentation on it skips the signature; `aud` and time
   * claims and the binding are still checked every time. A first sighting leaves only the hash (up to
   * `max` of them). `false` turns it off. Default `{ max: 10000 }`.
   */
  tokenCache?: false | { max?: number }
  /**
   * Node build: where signatures are verified. `'auto'` (default): on the calling thread while its
   * event loop has time to spare (lowest latency), on libuv's thread pool once it is busy and requests
   * overlap (throughput: the other cores verify while this one reads requests). `true`: always on the
   * thread pool; `false`: always on the calling thread. The Web Crypto build has no choice to make.
   */
  offloadSignatures?: 'auto' | boolean
  /** Accepted JOSE `typ` of access tokens. Default `['at+jwt']`; `'jwt'` (also no `typ`) only under `oauth2`. */
  tokenTypes?: ReadonlyArray<'at+jwt' | 'jwt'>
  /** Least seconds between two key-set fetches caused by an unknown `kid`. Default 30. */
  jwksCooldown?: number
  /** Seconds after which a key set is refreshed in the background. Default 600. */
  jwksCacheMaxAge?: number
  /** Milliseconds an outbound HTTP request (metadata, keys) may take. Default 5000. */
  httpTimeout?: number
  /** `fetch` used for metadata and keys (tests, proxies, custom agents). Default: the global `fetch`. */
  fetch?: typeof fetch
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number
}
