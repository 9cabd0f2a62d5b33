import { LRUCache } from 'lru-cache'
import type { JWTAccessTokenRules } from '../access-token/verify-jwt-access-token.js'
import type { DecisionSinks } from '../audit/record-decision.js'
import type { BindingRules } from '../binding/verify-token-binding.js'
import { MAX_PROOF_LENGTH, PROOF_HEADER_CACHE_CHARACTERS, PROOF_HEADER_CACHE_SIZE, PROOF_MAX_FUTURE } from '../binding/verify-dpop-proof.js'
import { Diagnosis } from '../errors/diagnosis.js'
import type { ChallengeConfig } from '../errors/render-challenge.js'
import { createMemoryIntrospectionCache } from '../introspection/introspection-cache.js'
import { TokenIntrospector } from '../introspection/introspect-token.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import { IssuerKeyStore } from '../keys/issuer-key-store.js'
import { IssuerMetadata, metadataEndpoint } from '../keys/issuer-metadata.js'
import { isPlainObject } from '../lib/encoding.js'
import { lruClock } from '../lib/lru-clock.js'
import { buildProtectedResourceMetadata, metadataLocation, type ProtectedResourceMetadata } from '../metadata/protected-resource-metadata.js'
import type { ResolvedIntrospection, ResolvedIssuer, ResolvedOptions } from '../options/resolved.js'
import type { IssuerIntrospection, TokenRules } from '../token/verify-token.js'
import { createMemoryReplayStore } from '../replay/memory-replay-store.js'
import type { CredentialRules } from '../request/parse-authorization.js'
import type { VerifyOptions } from '../types.js'

/** What only some runtimes offer, handed in by the entry point (the Node build gives all of it). */
export interface Platform {
  /** A `fetch` presenting a client certificate, for `tls_client_auth` introspection. */
  readonly tlsClientFetch?: (certificate: { readonly cert: string; readonly key: string }) => typeof fetch
  /** Where each decision is described for operators when asked for (Node: `NODE_DEBUG=fapi-guard`). */
  readonly debug?: ((message: string) => void) | undefined
}

/** Everything the pipeline runs on, built once from the checked options: one member per step. */
export interface GuardParts {
  readonly clock: () => number
  readonly clockTolerance: number
  /** Step 1: echo or mint `x-fapi-interaction-id`. */
  readonly interactionId: boolean
  /** Step 2. */
  readonly credentials: CredentialRules
  /** Step 3. */
  readonly tokens: TokenRules
  /** Step 4. */
  readonly binding: BindingRules
  /** Step 5: the guard-wide requirements (`scopes`, `acrValues`, `maxAge`, `claims`, `authorizationDetails` options). */
  readonly guardWide: VerifyOptions
  /** Step 6: the claims `AuthContext.clientId` is read from. */
  readonly clientIdClaims: readonly string[]
  /** How refusals are answered. */
  readonly challenge: ChallengeConfig
  readonly decisions: DecisionSinks
  readonly metadata: ProtectedResourceMetadata | undefined
  readonly metadataPath: string | undefined
  /** One check per issuer: its keys (and discovered introspection endpoint) can be had now. */
  readonly readiness: ReadonlyMap<string, () => Promise<void>>
}

/** Builds the stores, caches, key stores and introspectors the options call for, and each step's rules. */
export function assembleGuard(options: ResolvedOptions, backend: CryptoBackend, platform: Platform): GuardParts {
  const keyStores = new Map<string, IssuerKeyStore>()
  const introspection = new Map<string, IssuerIntrospection>()
  const readiness = new Map<string, () => Promise<void>>()
  const http = { fetch: options.fetch, httpTimeoutMs: options.httpTimeoutMs, clock: options.clock }
  for (const [name, issuer] of options.issuers) {
    const metadata = new IssuerMetadata(name, http)
    const keyStore = new IssuerKeyStore(issuer, { ...http, metadata, backend, cooldownMs: options.jwksCooldownMs, maxAgeMs: options.jwksCacheMaxAgeMs })
    keyStores.set(name, keyStore)
    const byDiscovery = issuer.introspection !== undefined && issuer.introspection.endpoint === undefined
    readiness.set(name, async () => {
      await keyStore.ready()
      if (byDiscovery && metadataEndpoint(await metadata.get(true), 'introspection_endpoint') === undefined) {
        throw new Diagnosis(`the metadata of "${name}" has no https "introspection_endpoint"`)
      }
    })
    if (issuer.introspection !== undefined) {
      const { audiences, clockTolerance, maxTokenLifetime } = options
      introspection.set(name, {
        introspector: createIntrospector(issuer, issuer.introspection, { options, backend, platform, metadata, keyStore }),
        claims: { audiences, clockTolerance, maxTokenLifetime, requireAudience: issuer.introspection.requireAudience },
      })
    }
  }
  const location = options.resource === undefined ? undefined : metadataLocation(options.resource.identifier)
  return {
    clock: options.clock,
    clockTolerance: options.clockTolerance,
    interactionId: options.interactionId,
    credentials: { dpopEnabled: options.dpop.enabled, maxTokenLength: options.maxTokenLength },
    tokens: {
      jwt: jwtRules(options, keyStores, backend),
      introspection,
      scopeClaim: options.scopeClaim,
      presetHint: { profile: options.profile, audienceClaim: options.audienceClaim },
    },
    binding: bindingRules(options, backend),
    guardWide: {
      scopes: options.scopes,
      claims: options.claims,
      ...(options.acrValues !== undefined && { acrValues: options.acrValues }),
      ...(options.maxAge !== undefined && { maxAge: options.maxAge }),
      ...(options.authorizationDetails !== undefined && { authorizationDetails: options.authorizationDetails }),
    },
    clientIdClaims: options.clientIdClaims,
    challenge: {
      realm: options.realm,
      bearer: !options.dpop.required,
      dpopAlgs: options.dpop.enabled ? options.dpop.algorithms.join(' ') : undefined,
      descriptions: options.errorDescriptions,
      resourceMetadata: location?.url,
    },
    decisions: { onDecision: options.onDecision, debug: platform.debug, trusted: options.proxy.trusted },
    metadata:
      options.resource === undefined
        ? undefined
        : buildProtectedResourceMetadata({
            ...options.resource,
            issuers: [...options.issuers.keys()],
            dpopAlgorithms: options.dpop.enabled ? options.dpop.algorithms : undefined,
            dpopRequired: options.dpop.required,
            mtls: options.mtls.enabled,
          }),
    metadataPath: location?.path,
    readiness,
  }
}

function jwtRules(options: ResolvedOptions, keyStores: ReadonlyMap<string, IssuerKeyStore>, backend: CryptoBackend): JWTAccessTokenRules {
  return {
    ...options,
    keyStores,
    backend,
    tokenCache:
      options.tokenCacheMax === 0
        ? undefined
        : {
            entries: new LRUCache({ max: options.tokenCacheMax, ttlResolution: 0, perf: lruClock(options.clock) }),
            seen: new LRUCache({ max: options.tokenCacheMax }),
          },
  }
}

function bindingRules(options: ResolvedOptions, backend: CryptoBackend): BindingRules {
  const { dpop, mtls, proxy } = options
  return {
    dpop,
    mtls,
    senderConstrained: options.senderConstrained,
    backend,
    dpopProof: {
      algorithms: new Set(dpop.algorithms),
      proofMaxAge: dpop.proofMaxAge,
      proofMaxFuture: PROOF_MAX_FUTURE,
      clockTolerance: options.clockTolerance,
      nonce: dpop.nonce,
      replayStore: dpop.replayStore ?? createMemoryReplayStore({ clock: options.clock }),
      requestURL: { trusted: proxy.trusted, publicUrl: proxy.publicUrl, forwarded: proxy.forwardedHeaders },
      maxProofLength: MAX_PROOF_LENGTH,
      backend,
      headerCache: new LRUCache({ max: PROOF_HEADER_CACHE_SIZE, maxSize: PROOF_HEADER_CACHE_CHARACTERS, sizeCalculation: (_, segment) => segment.length }),
    },
    certificates: { trusted: proxy.trusted, header: proxy.certificateHeader, forwarded: proxy.forwardedHeaders, backend },
  }
}

/** Builds the introspector of one issuer: endpoint from options or metadata, transport for `tls_client_auth`. */
function createIntrospector(
  issuer: ResolvedIssuer,
  settings: ResolvedIntrospection,
  context: { options: ResolvedOptions; backend: CryptoBackend; platform: Platform; metadata: IssuerMetadata; keyStore: IssuerKeyStore },
): TokenIntrospector {
  const { options, backend, platform, metadata, keyStore } = context
  let transport = options.fetch
  if (settings.authMethod === 'tls_client_auth' && settings.certificate !== undefined) {
    if (platform.tlsClientFetch !== undefined) transport = platform.tlsClientFetch(settings.certificate)
    else if (options.fetch === globalThis.fetch) {
      throw new TypeError('fapi-guard: option "introspection.authMethod" tls_client_auth needs the Node build, or a "fetch" that presents the client certificate')
    }
  }
  const configured = settings.endpoint
  const endpoint = async (): Promise<URL> => {
    if (configured !== undefined) return configured
    const document = await metadata.get()
    const aliases = document.mtls_endpoint_aliases
    const alias = settings.authMethod === 'tls_client_auth' && isPlainObject(aliases) ? metadataEndpoint(aliases, 'introspection_endpoint') : undefined
    const url = alias ?? metadataEndpoint(document, 'introspection_endpoint')
    if (url === undefined) throw new Error('no usable introspection_endpoint')
    return url
  }
  const { cache } = settings
  return new TokenIntrospector({
    issuer: issuer.issuer,
    credentials: settings,
    endpoint,
    responseFormat: settings.responseFormat,
    tokens: settings.tokens,
    tokenPrefix: settings.tokenPrefix,
    cache:
      cache === undefined
        ? undefined
        : { store: cache.store ?? createMemoryIntrospectionCache({ max: cache.max, clock: options.clock }), ttlMs: cache.ttlMs, negativeTtlMs: cache.negativeTtlMs },
    timeoutMs: settings.timeoutMs,
    fetch: transport,
    backend,
    clock: options.clock,
    keyStore,
    algorithms: options.algorithms,
  })
}
