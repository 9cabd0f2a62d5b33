import { SetMetadata } from '@nestjs/common'
import { checkRequirements, type AuthenticationRequirement } from '@fapi-guard/core'
import { FAPI_AUTHENTICATION_KEY } from './tokens.js'

/**
 * Step-up for a route (method) or every route of a controller (class), RFC 9470: the token's `acr`
 * must be one of `acrValues` and/or its `auth_time` at most `maxAge` seconds old, else 401
 * `insufficient_user_authentication` with `acr_values` / `max_age` in the challenge. A method's
 * `@RequireAuthentication()` replaces its controller's (`Reflector.getAllAndOverride`); the
 * module's `acrValues` / `maxAge` are checked for every route first. Checked when applied with the
 * core's `checkRequirements` (`TypeError`).
 */
export function RequireAuthentication(requirement: AuthenticationRequirement): MethodDecorator & ClassDecorator {
  const { acrValues, maxAge } = requirement ?? {}
  if (acrValues === undefined && maxAge === undefined) throw new TypeError('fapi-guard: @RequireAuthentication() needs "acrValues" or "maxAge"')
  const checked = checkRequirements({ ...(acrValues !== undefined && { acrValues }), ...(maxAge !== undefined && { maxAge }) }, '@RequireAuthentication()')
  return SetMetadata(FAPI_AUTHENTICATION_KEY, Object.freeze(checked))
}
