// For its types only: `req.fapiGuard` on Express's Request (no runtime code, so `sideEffects: false` holds).
import './augment.js'

export { createTokenVerifier } from './token-verifier.js'
export type { TokenVerifierOptions } from './token-verifier.js'
export { mcpAuth } from './express.js'
export type { McpAuthOptions } from './express.js'
export { mcpAuthFetch } from './fetch.js'
export type { McpFetchAuth, McpFetchGate, McpFetchRequestOptions } from './fetch.js'
export { fapiGuardContext } from './auth-info.js'
export type { McpCallOptions, McpGuardOptions, McpRequirements } from './options.js'
export { claimCheck, claimEquals, claimIncludes } from '@fapi-guard/core'
export type { AuthContext, ClaimRequirement, Guard, GuardError, GuardOptions } from '@fapi-guard/core'
