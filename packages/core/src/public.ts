/** Every public name but `createGuard`, shared by both entry points (Web Crypto and Node). */
import { checkRequirements as checkRouteRequirements } from './options.js'
import { isGuard as isAnyGuard } from './adapter/resolve-adapter-guard.js'
import type { Guard } from './guard.js'

/**
 * True for a guard made by `createGuard` (or anything with its methods).
 * @deprecated For adapter authors: import it from `@fapi-guard/core/adapter`.
 */
export const isGuard: (value: unknown) => value is Guard = isAnyGuard
/**
 * The guard an adapter runs and the adapter's own options, separated.
 * @deprecated For adapter authors: import it from `@fapi-guard/core/adapter`.
 */
export interface AdapterGuard<K extends string> {
  readonly guard: Guard
  readonly adapterOptions: Partial<Record<K, unknown>>
}
/**
 * Checks per-route requirements where the route is declared (`TypeError` naming `where`).
 * @deprecated For adapter authors: `defineRequirements` (and `defineScopes`, `defineAuthentication`,
 * `defineClaims`) of `@fapi-guard/core/adapter`, which also returns a frozen copy.
 */
export const checkRequirements: typeof checkRouteRequirements = checkRouteRequirements
export type { Guard } from './guard.js'
export { verifyOptional } from './verify-optional.js'
export { GuardError, isGuardError } from './errors/guard-error.js'
export type { AuthScheme, GuardErrorDetail } from './errors/guard-error.js'
export { ErrorCodes, ERROR_TABLE } from './errors/codes.js'
export type { ErrorCode, GuardErrorStatus, OAuthErrorCode } from './errors/codes.js'
export { renderWWWAuthenticate } from './errors/render-challenge.js'
export { toResponse } from './errors/to-response.js'
export { fromApiGatewayEvent, toApiGatewayResult } from './request/from-api-gateway-event.js'
export type { APIGatewayEventLike, APIGatewayProxyResultLike } from './request/from-api-gateway-event.js'
export type { Challenge } from './errors/render-challenge.js'
export { PROFILE_ALGORITHMS } from './options.js'
export { presets } from './presets/vendor-presets.js'
export type { VendorPreset } from './presets/vendor-presets.js'
export { claimCheck, claimEquals, claimIncludes } from './authorization/claim-requirements.js'
export type { ClaimRequirement } from './authorization/claim-requirements.js'
export type { AuthenticationRequirement } from './authorization/check-user-authentication.js'
export { logDecisions, traceDecisions } from './audit/decision-event.js'
export type { DecisionEvent, DecisionLogger, DecisionTracer } from './audit/decision-event.js'
export { metadataLocation } from './metadata/protected-resource-metadata.js'
export type { ProtectedResourceMetadata } from './metadata/protected-resource-metadata.js'
export type { DPoPOptions, GuardOptions, IntrospectionOptions, IssuerOptions, MTLSOptions, ProxyOptions } from './options.js'
export { createMemoryReplayStore } from './replay/memory-replay-store.js'
export type { MemoryReplayStoreOptions } from './replay/memory-replay-store.js'
export { ReplayStoreFullError } from './replay/replay-store.js'
export type { ReplayStore } from './replay/replay-store.js'
export { createMemoryIntrospectionCache } from './introspection/introspection-cache.js'
export type { IntrospectionCacheStore, MemoryIntrospectionCacheOptions } from './introspection/introspection-cache.js'
export type { IntrospectionAuthMethod } from './introspection/authenticate-client.js'
export type { CertificateHeaderFormat } from './request/read-certificate-header.js'
export type {
  AuthContext,
  ClientCertificate,
  HeaderRecord,
  JSONWebKeySet,
  JWSAlgorithm,
  JWTAccessTokenClaims,
  Profile,
  RequestLike,
  TokenBinding,
  VerifyOptions,
} from './types.js'
