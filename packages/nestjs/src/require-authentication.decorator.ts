import { applyDecorators, SetMetadata } from '@nestjs/common'
import { defineAuthentication } from '@fapi-guard/core/adapter'
import type { AuthenticationRequirement } from '@fapi-guard/core'
import { declareRequirements } from './requirements.decorator.js'
import { FAPI_AUTHENTICATION_KEY } from './tokens.js'

/**
 * Step-up for a route (method) or every route of a controller (class), RFC 9470: the token's `acr`
 * must be one of `acrValues` and/or its `auth_time` at most `maxAge` seconds old, else 401
 * `insufficient_user_authentication` with `acr_values` / `max_age` in the challenge.
 * `@Requirements({ acrValues, maxAge })` in short, except that a method's replaces both of its
 * controller's; the module's `acrValues` / `maxAge` are checked for every route first. Checked when applied (`TypeError`).
 */
export function RequireAuthentication(requirement: AuthenticationRequirement): MethodDecorator & ClassDecorator {
  const { acrValues, maxAge } = defineAuthentication(requirement, '@RequireAuthentication()')
  const defined = { ...(acrValues !== undefined && { acrValues }), ...(maxAge !== undefined && { maxAge }) }
  return applyDecorators(declareRequirements({ acrValues, maxAge }), SetMetadata(FAPI_AUTHENTICATION_KEY, Object.freeze(defined)))
}
