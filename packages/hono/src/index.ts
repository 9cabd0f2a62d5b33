export { fapiGuard } from './guard.js'
export type { AdapterOptions, HonoGuardOptions } from './guard.js'
export type { FapiGuardEnv, FapiGuardOptionalEnv } from './env.js'
export { requireAuthentication, requireAuthorization, requireAuthorizationDetails, requireClaims, requireScopes } from './require-authorization.js'
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
  VerifyOptions,
} from '@fapi-guard/core'
