import { defineAuthorizationDetails } from '@fapi-guard/core/adapter'
import type { AuthorizationDetailRequirement } from '@fapi-guard/core'
import type { AuthenticatedRequest } from './auth.decorator.js'
import { declareRequirements } from './requirements.decorator.js'

/**
 * RFC 9396 authorization details a route (method) or every route of a controller (class) needs: each
 * requirement met by some detail of the token (type, actions, locations, …, and `check(detail, request)`
 * with the platform's HTTP request, its parsed body included), else 403 `insufficient_authorization_details`.
 * `@Requirements({ authorizationDetails })` in short: a method's replace its controller's; the module's
 * `authorizationDetails` are checked for every route first. Checked when applied (`TypeError`).
 */
export function RequireAuthorizationDetails<Request = AuthenticatedRequest>(...requirements: AuthorizationDetailRequirement<Request>[]): MethodDecorator & ClassDecorator {
  const { authorizationDetails } = defineAuthorizationDetails(requirements, '@RequireAuthorizationDetails()')
  return declareRequirements({ authorizationDetails })
}
