// For its types only: the `declare module 'fastify'` augmentation (no runtime code, so `sideEffects: false` holds).
import './augment.js'
import { fapiGuard } from './plugin.js'

export default fapiGuard
export { fapiGuard }
export type { AdapterOptions, ExistingGuardOptions, FastifyGuardOptions } from './plugin.js'
export type { GuardHook } from './augment.js'
export { claimCheck, claimEquals, claimIncludes, readConsentId } from '@fapi-guard/core'
export type { AuthContext, AuthenticationRequirement, AuthorizationDetail, AuthorizationDetailRequirement, ClaimRequirement, Guard, GuardError, GuardOptions, VerifyOptions } from '@fapi-guard/core'
