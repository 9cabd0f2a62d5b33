// For its types only: the `req.auth` augmentation of Express's Request (no runtime code, so `sideEffects: false` holds).
import './augment.js'

export { guard } from './guard.js'
export type { AdapterOptions, ExpressGuardOptions } from './guard.js'
export { requireScopes } from './require-scopes.js'
export { guardErrorHandler } from './guard-error-handler.js'
export type { AuthContext, Guard, GuardError, GuardOptions } from '@fapi-guard/core'
