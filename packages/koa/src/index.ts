// For its types only: the `ctx.state.auth` augmentation of Koa's DefaultState (no runtime code, so `sideEffects: false` holds).
import './augment.js'

export { guard } from './guard.js'
export type { AdapterOptions, KoaGuardOptions } from './guard.js'
export { requireAuthentication, requireAuthorization, requireAuthorizationDetails, requireClaims, requireScopes } from './require-authorization.js'
export { claimCheck, claimEquals, claimIncludes, readConsentId } from '@fapi-guard/core'
export type { AuthContext, AuthenticationRequirement, AuthorizationDetail, AuthorizationDetailRequirement, ClaimRequirement, Guard, GuardError, GuardOptions, VerifyOptions } from '@fapi-guard/core'
