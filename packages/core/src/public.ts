/** Every public name but `createGuard`, shared by both entry points (Web Crypto and Node). */
export type { Guard } from './guard.js'
export { isGuard } from './adapter-guard.js'
export { verifyOptional } from './verify-optional.js'
export type { AdapterGuard } from './adapter-guard.js'
export { GuardError, isGuardError } from './errors/guard-error.js'
export type { AuthScheme, GuardErrorDetail } from './errors/guard-error.js'
export { ErrorCodes, ERROR_TABLE } from './errors/codes.js'
export type { ErrorCode, GuardErrorStatus, OAuthErrorCode } from './errors/codes.js'
export { renderWWWAuthenticate } from './errors/render-challenge.js'
export { toResponse } from './errors/to-response.js'
export { fromApiGatewayEvent, toApiGatewayResult } from './request/from-api-gateway-event.js'
export type { APIGatewayEventLike, APIGatewayProxyResultLike } from './request/from-api-gateway-event.js'
export type { Challenge } from './errors/render-challenge.js'
export { PROFILE_ALGORITHMS, checkRequirements } from './options.js'
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
