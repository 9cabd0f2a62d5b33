/**
 * The application entry's names, shared by both builds (Web Crypto and Node) — everything but
 * `createGuard`. Adapter authors: `@fapi-guard/core/adapter`; AWS Lambda: `@fapi-guard/core/aws`;
 * audit logs and tracing: `@fapi-guard/core/observability`.
 */
export type { Guard } from './pipeline/guard.js'
export { verifyOptional } from './verify-optional.js'
export { GuardError, isGuardError } from './errors/guard-error.js'
export type { AuthScheme, GuardErrorDetail, GuardErrorInit } from './errors/guard-error.js'
export { ErrorCodes } from './errors/codes.js'
export type { ErrorCode, GuardErrorStatus, OAuthErrorCode } from './errors/codes.js'
export { toResponse } from './errors/to-response.js'
export { presets } from './options/vendor-presets.js'
export type { VendorPreset } from './options/vendor-presets.js'
export { claimCheck, claimEquals, claimIncludes } from './authorization/claim-requirements.js'
export { readConsentId } from './authorization/authorization-details.js'
export type { AuthenticationRequirement } from './authorization/check-user-authentication.js'
export { metadataLocation } from './metadata/protected-resource-metadata.js'
export type { ProtectedResourceMetadata } from './metadata/protected-resource-metadata.js'
export type { DPoPOptions, GuardOptions, IntrospectionOptions, IssuerOptions, MTLSOptions, ProxyOptions } from './options/types.js'
export { createMemoryReplayStore } from './replay/memory-replay-store.js'
export type { MemoryReplayStoreOptions } from './replay/memory-replay-store.js'
export { ReplayStoreFullError } from './replay/replay-store.js'
export type { ReplayStore } from './replay/replay-store.js'
export { createMemoryIntrospectionCache } from './introspection/introspection-cache.js'
export type { IntrospectionCacheStore, MemoryIntrospectionCacheOptions } from './introspection/introspection-cache.js'
export type { IntrospectionAuthMethod } from './introspection/authenticate-client.js'
export type { CertificateHeaderFormat } from './request/read-certificate-header.js'
// Types of the /aws and /observability subpaths, declared once here (the subpaths name them from this entry).
export type { APIGatewayEventLike, APIGatewayProxyResultLike } from './request/from-api-gateway-event.js'
export type { DecisionEvent, DecisionLogger, DecisionTracer } from './audit/decision-event.js'
export type {
  AuthContext,
  AuthorizationDetail,
  AuthorizationDetailRequirement,
  ClaimRequirement,
  ClientCertificate,
  HeaderRecord,
  IntrospectedClaims,
  JSONWebKeySet,
  JWSAlgorithm,
  JWTAccessTokenClaims,
  Profile,
  RequestLike,
  TokenBinding,
  VerifyOptions,
} from './types.js'
export * from './deprecated.js'
