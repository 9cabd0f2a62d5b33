import { SetMetadata } from '@nestjs/common'
import { FAPI_PASSTHROUGH_KEY } from './tokens.js'

/**
 * Optional authentication for a route (method) or every route of a controller (class):
 * `FapiAuthGuard` lets a request with no credentials at all (no `Authorization` header, or a scheme
 * the guard does not take — the core's `ERR_NO_CREDENTIALS`) through with no `request.auth`
 * (`@Auth()` gives `undefined`); a request with credentials is verified in full and refused when
 * they are bad. A route that also has `@Scopes()`, `@RequireAuthentication()` or `@RequireClaims()`
 * refuses a request without credentials with the 401 challenge. `@Passthrough(false)` turns the
 * module-wide `passthrough` option off for a route; a method's replaces its controller's
 * (`Reflector.getAllAndOverride`). Unlike `@Public()`, credentials that are present are never ignored.
 */
export function Passthrough(enabled = true): MethodDecorator & ClassDecorator {
  if (typeof enabled !== 'boolean') throw new TypeError('fapi-guard: @Passthrough() takes a boolean')
  return SetMetadata(FAPI_PASSTHROUGH_KEY, enabled)
}
