import { SetMetadata } from '@nestjs/common'
import { checkRequirements } from '@fapi-guard/core'
import { FAPI_SCOPES_KEY } from './tokens.js'

/**
 * Scopes a route (method) or every route of a controller (class) needs (RFC 6750 §3.1): all must be
 * granted, else 403 `insufficient_scope` with `scope="…"` in the challenge. A method's `@Scopes()`
 * replaces its controller's (`Reflector.getAllAndOverride`); the module's `scopes` option applies
 * to every route on top. Checked when applied with the core's `checkRequirements` (`TypeError` on
 * no scope or one that is not a scope token). Checks only what `FapiAuthGuard` verified; it needs
 * the guard on the route.
 */
export function Scopes(...scopes: string[]): MethodDecorator & ClassDecorator {
  checkRequirements({ scopes }, '@Scopes()')
  return SetMetadata(FAPI_SCOPES_KEY, Object.freeze([...new Set(scopes)]))
}
