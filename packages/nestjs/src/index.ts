export { FapiGuardModule } from './fapi-guard.module.js'
export type { FapiGuardAdapterOptions, FapiGuardModuleExtras, FapiGuardModuleOptions } from './fapi-guard.module-definition.js'
export { FapiAuthGuard } from './fapi-auth.guard.js'
export { FapiGuardException } from './fapi-guard.exception.js'
export { FapiGuardExceptionFilter } from './fapi-guard-exception.filter.js'
export { Requirements } from './requirements.decorator.js'
export { Scopes } from './scopes.decorator.js'
export { RequireAuthentication } from './require-authentication.decorator.js'
export { RequireClaims } from './require-claims.decorator.js'
export { RequireAuthorizationDetails } from './require-authorization-details.decorator.js'
export { ProtectedResourceMetadataRoute } from './protected-resource-metadata.route.js'
export { Public } from './public.decorator.js'
export { Passthrough } from './passthrough.decorator.js'
export { Auth } from './auth.decorator.js'
export type { AuthenticatedRequest } from './auth.decorator.js'
export {
  FAPI_AUTHENTICATION_KEY,
  FAPI_CLAIMS_KEY,
  FAPI_GUARD,
  FAPI_GUARD_OPTIONS,
  FAPI_PASSTHROUGH_KEY,
  FAPI_PUBLIC_KEY,
  FAPI_REPLAY_STORE,
  FAPI_REQUIREMENTS_KEY,
  FAPI_SCOPES_KEY,
  LEGACY_TOKENS,
} from './tokens.js'
export { claimCheck, claimEquals, claimIncludes, readConsentId } from '@fapi-guard/core'
export type {
  AuthContext,
  AuthenticationRequirement,
  AuthorizationDetail,
  AuthorizationDetailRequirement,
  ClaimRequirement,
  Guard,
  GuardError,
  GuardOptions,
  ReplayStore,
  VerifyOptions,
} from '@fapi-guard/core'
