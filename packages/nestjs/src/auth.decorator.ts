import { createParamDecorator, type ExecutionContext } from '@nestjs/common'
import type { AuthContext } from '@fapi-guard/core'

/** A request `FapiAuthGuard` has authenticated: the `AuthContext` is on `auth`. */
export interface AuthenticatedRequest {
  auth?: AuthContext
}

function readAuth(property: keyof AuthContext | undefined, context: ExecutionContext): unknown {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest | undefined>()
  const auth = request?.auth
  return property === undefined || auth === undefined ? auth : auth[property]
}

const AuthParam = createParamDecorator<keyof AuthContext | undefined>(readAuth)

/**
 * Route parameter decorator: the `AuthContext` `FapiAuthGuard` verified for this request
 * (`{ token, claims, source, issuer, subject?, clientId?, scopes, binding, responseHeaders }`), or
 * one of its members (`@Auth('subject')`). `undefined` on a `@Public()` route or one without the guard,
 * and on a `@Passthrough()` route for a request without credentials.
 */
export function Auth(property?: keyof AuthContext): ParameterDecorator {
  return AuthParam(property)
}
