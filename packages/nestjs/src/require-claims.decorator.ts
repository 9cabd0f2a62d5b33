import { SetMetadata } from '@nestjs/common'
import { checkRequirements, type ClaimRequirement } from '@fapi-guard/core'
import { FAPI_CLAIMS_KEY } from './tokens.js'

/**
 * Claim requirements of a route (method) or every route of a controller (class), made with
 * `claimEquals`, `claimIncludes` or `claimCheck`: each must hold, else 403 `insufficient_scope`
 * whose description says which. A method's `@RequireClaims()` replaces its controller's
 * (`Reflector.getAllAndOverride`); the module's `claims` are checked for every route first.
 * Checked when applied with the core's `checkRequirements` (`TypeError`).
 */
export function RequireClaims(...claims: ClaimRequirement[]): MethodDecorator & ClassDecorator {
  checkRequirements({ claims }, '@RequireClaims()')
  return SetMetadata(FAPI_CLAIMS_KEY, Object.freeze([...claims]))
}
