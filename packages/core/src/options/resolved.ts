import type { JWK } from 'jose'
import type { DecisionEvent } from '../audit/decision-event.js'
import type { ClaimRequirement } from '../authorization/claim-requirements.js'
import type { IntrospectionAuthMethod } from '../introspection/authenticate-client.js'
import type { IntrospectionCacheStore } from '../introspection/introspection-cache.js'
import type { KeySource } from '../keys/issuer-key-store.js'
import type { ForwardedFamily } from '../request/forwarded-elements.js'
import type { AddressMatcher } from '../request/proxy-trust.js'
import type { CertificateHeader } from '../request/read-certificate-header.js'
import type { ReplayStore } from '../replay/replay-store.js'
import type { AuthorizationDetailRequirement, JWSAlgorithm, Profile } from '../types.js'

// The options after checking, with every default filled in: what assembly builds the guard from.
// Nothing below assembly reads this type; each module declares the rules it needs.

/** Introspection settings after checking. */
export interface ResolvedIntrospection {
  readonly endpoint: URL | undefined
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly authMethod: IntrospectionAuthMethod
  readonly privateKey: JWK | undefined
  readonly certificate: { readonly cert: string; readonly key: string } | undefined
  readonly responseFormat: 'json' | 'jwt'
  readonly tokens: 'opaque' | 'all'
  readonly requireAudience: boolean
  readonly tokenPrefix: string | undefined
  /** `undefined` when off; `store` `undefined` for the in-memory default of `max` entries (assembly makes it). */
  readonly cache: { readonly store: IntrospectionCacheStore | undefined; readonly max: number; readonly ttlMs: number; readonly negativeTtlMs: number } | undefined
  readonly timeoutMs: number
}

/** An issuer after checking. */
export interface ResolvedIssuer {
  readonly issuer: string
  readonly keys: KeySource
  readonly introspection: ResolvedIntrospection | undefined
}

/** Options after checking: what request-time code trusts. */
export interface ResolvedOptions {
  readonly profile: Profile
  readonly issuers: ReadonlyMap<string, ResolvedIssuer>
  readonly audiences: ReadonlySet<string>
  readonly algorithms: ReadonlySet<string>
  readonly clockTolerance: number
  readonly scopes: readonly string[]
  readonly dpop: {
    readonly enabled: boolean
    readonly required: boolean
    readonly algorithms: readonly JWSAlgorithm[]
    readonly proofMaxAge: number
    readonly nonce: { readonly secrets: readonly Uint8Array[]; readonly stepSeconds: number } | undefined
    /** `undefined`: the in-memory default (assembly makes it). */
    readonly replayStore: ReplayStore | undefined
  }
  readonly proxy: {
    readonly trusted: AddressMatcher
    readonly publicUrl: URL | undefined
    readonly forwardedHeaders: ForwardedFamily
    readonly certificateHeader: CertificateHeader | undefined
  }
  readonly mtls: { readonly enabled: boolean; readonly required: boolean }
  /** Tokens without any `cnf` binding are refused (FAPI profiles). */
  readonly senderConstrained: boolean
  /** `sub`, `client_id`, `iat`, `jti` are required (RFC 9068 §2.2; FAPI profiles). */
  readonly requireAllClaims: boolean
  readonly realm: string
  readonly errorDescriptions: boolean
  readonly maxTokenLength: number
  readonly maxTokenLifetime: number
  readonly acceptPlainJwtTyp: boolean
  readonly resource:
    | {
        readonly identifier: string
        readonly name: string | undefined
        readonly documentation: string | undefined
        readonly scopes: readonly string[] | undefined
        readonly authorizationDetailsTypes: readonly string[] | undefined
      }
    | undefined
  readonly acrValues: readonly string[] | undefined
  readonly maxAge: number | undefined
  readonly claims: readonly ClaimRequirement[]
  readonly authorizationDetails: readonly AuthorizationDetailRequirement[] | undefined
  /** Claims scopes are read from, first present wins; `undefined`: `scope`, else `scp`. */
  readonly scopeClaim: readonly string[] | undefined
  /** Claims `AuthContext.clientId` is read from, first string wins. */
  readonly clientIdClaims: readonly string[]
  readonly audienceClaim: 'aud' | 'client_id'
  readonly interactionId: boolean
  readonly onDecision: ((event: DecisionEvent) => void) | undefined
  /** Most verified tokens remembered; 0 when the cache is off. */
  readonly tokenCacheMax: number
  readonly offloadSignatures: 'auto' | boolean
  readonly jwksCooldownMs: number
  readonly jwksCacheMaxAgeMs: number
  readonly httpTimeoutMs: number
  readonly fetch: typeof fetch
  readonly clock: () => number
}
