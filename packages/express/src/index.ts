// For its types only: the `req.auth` augmentation of Express's Request (no runtime code, so `sideEffects: false` holds).
import './augment.js'

export { guard } from './guard.js'
export type { AdapterOptions, ExpressGuardOptions } from './guard.js'
export { requireAuthentication, requireAuthorization, requireAuthorizationDetails, requireClaims, requireScopes } from './require-authorization.js'
export { guardErrorHandler } from './guard-error-handler.js'
export { claimCheck, claimEquals, claimIncludes, readConsentId } from '@fapi-guard/core'
export type { AuthContext, AuthorizationDetail, AuthorizationDetailRequirement, ClaimRequirement, Guard, GuardError, GuardOptions } from '@fapi-guard/core'
