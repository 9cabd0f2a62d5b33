import { applyDecorators, SetMetadata } from '@nestjs/common'
import { defineClaims } from '@fapi-guard/core/adapter'
import type { ClaimRequirement } from '@fapi-guard/core'
import { declareRequirements } from './requirements.decorator.js'
import { FAPI_CLAIMS_KEY } from './tokens.js'

/**
 * Claim requirements of a route (method) or every route of a controller (class), made with
 * `claimEquals`, `claimIncludes` or `claimCheck`: each must hold, else 403 `insufficient_scope`
 * whose description says which. `@Requirements({ claims })` in short: a method's replace its
 * controller's; the module's `claims` are checked for every route first. Checked when applied (`TypeError`).
 */
export function RequireClaims(...claims: ClaimRequirement[]): MethodDecorator & ClassDecorator {
  const { claims: defined } = defineClaims(claims, '@RequireClaims()')
  return applyDecorators(declareRequirements({ claims: defined }), SetMetadata(FAPI_CLAIMS_KEY, defined))
}
