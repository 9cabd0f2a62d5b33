/** Names of `@fapi-guard/core/adapter` shared by both builds (Web Crypto and Node); `resolveAdapterGuard` is each build's own. */
export { refusalResponse } from './refusal-response.js'
export { metadataResponse } from './metadata-response.js'
export type { MetadataRequest } from './metadata-response.js'
export type { HTTPAnswer } from '../errors/answer-refusal.js'
export { defineAuthentication, defineAuthorizationDetails, defineClaims, defineRequirements, defineScopes } from './define-requirements.js'
export { authorize, guardOf, isMissingCredentials, passWithoutCredentials, passedRefusal } from './authorize.js'
export { isGuard } from './resolve-adapter-guard.js'
export type { AdapterGuard } from './resolve-adapter-guard.js'
// The core types the functions above take: the main entry's own declarations (one copy of each in the package).
export type { AuthContext, AuthenticationRequirement, AuthorizationDetailRequirement, ClaimRequirement, Guard, GuardError, VerifyOptions } from '@fapi-guard/core'
