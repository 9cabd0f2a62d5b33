import { applyDecorators, SetMetadata } from '@nestjs/common'
import { defineScopes } from '@fapi-guard/core/adapter'
import { declareRequirements } from './requirements.decorator.js'
import { FAPI_SCOPES_KEY } from './tokens.js'

/**
 * Scopes a route (method) or every route of a controller (class) needs (RFC 6750 §3.1): all must be
 * granted, else 403 `insufficient_scope` with `scope="…"` in the challenge. `@Requirements({ scopes })`
 * in short: a method's replace its controller's; the module's `scopes` apply on top. Checked when
 * applied (`TypeError` on no scope or one that is not a scope token). Needs `FapiAuthGuard` on the route.
 */
export function Scopes(...scopes: string[]): MethodDecorator & ClassDecorator {
  const { scopes: defined } = defineScopes(scopes, '@Scopes()')
  return applyDecorators(declareRequirements({ scopes: defined }), SetMetadata(FAPI_SCOPES_KEY, defined))
}
