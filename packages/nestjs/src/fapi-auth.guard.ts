import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { HttpAdapterHost, Reflector } from '@nestjs/core'
import type { AuthContext, AuthenticationRequirement, ClaimRequirement, Guard, GuardError, RequestLike, VerifyOptions } from '@fapi-guard/core'
import type { AuthenticatedRequest } from './auth.decorator.js'
import { buildRequestLike } from './build-request-like.js'
import { FapiGuardException } from './fapi-guard.exception.js'
import { readPassthrough } from './read-module-options.js'
import type { FapiGuardModuleOptions } from './fapi-guard.module-definition.js'
import { setResponseHeaders } from './set-response-headers.js'
import { FAPI_AUTHENTICATION_KEY, FAPI_CLAIMS_KEY, FAPI_GUARD, FAPI_GUARD_OPTIONS, FAPI_PASSTHROUGH_KEY, FAPI_PUBLIC_KEY, FAPI_SCOPES_KEY } from './tokens.js'

const NO_SCOPES: readonly string[] = Object.freeze([])

/**
 * Lets a request reach the route only with a valid, sender-constrained access token: RFC 9068 JWT
 * checks (or RFC 7662 introspection), DPoP (RFC 9449), RFC 8705 certificate binding and the
 * module-wide requirements (`guard.verify`), then the route's own — `@Scopes()`,
 * `@RequireAuthentication()`, `@RequireClaims()` — with `guard.authorize`. Use it per controller or
 * route (`@UseGuards(FapiAuthGuard)`) or for the whole application
 * (`{ provide: APP_GUARD, useClass: FapiAuthGuard }`); `@Public()` routes are let through unchecked.
 * On a `@Passthrough()` route (or every route, with the module's `passthrough: true`) a request with
 * no credentials at all goes on without `request.auth`, unless the route has requirements of its own.
 *
 * On success the `AuthContext` is on `request.auth` (and `@Auth()`), and `auth.responseHeaders`
 * (a renewed `DPoP-Nonce`, `x-fapi-interaction-id`) are set on the response. On refusal it sets the
 * `GuardError`'s headers on the response and throws a `FapiGuardException` (status, body
 * `{ error, error_description }`).
 *
 * Override points for subclasses: `isPublic`, `isPassthrough`, `getRequirements`, `getRequiredScopes`, `getRequest`,
 * `getResponse`, `toRequestLike`, `refuse`. It reads no forwarded header itself (see `toRequestLike`).
 */
@Injectable()
export class FapiAuthGuard implements CanActivate {
  constructor(
    @Inject(FAPI_GUARD) protected readonly guard: Guard,
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(HttpAdapterHost) protected readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(FAPI_GUARD_OPTIONS) moduleOptions?: FapiGuardModuleOptions,
  ) {
    this.passthrough = readPassthrough(moduleOptions)
  }

  /** The module-wide `passthrough` option (a subclass constructor that does not pass the options gets `false`). */
  protected readonly passthrough: boolean

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true
    const request = this.getRequest(context)
    const requestLike = this.toRequestLike(request)
    const requirements = this.getRequirements(context)
    let auth: AuthContext
    try {
      auth = await this.guard.verify(requestLike)
    } catch (error) {
      const refusal = this.guard.toGuardError(error)
      // Optional authentication: no credentials at all, and the route needs none of its own.
      if (refusal.code === 'ERR_NO_CREDENTIALS' && requirements === undefined && this.isPassthrough(context)) return true
      return this.refuse(refusal, context)
    }
    request.auth = auth
    setResponseHeaders(this.adapterHost.httpAdapter, this.getResponse(context), auth.responseHeaders)
    if (requirements !== undefined) {
      try {
        this.guard.authorize(auth, requirements)
      } catch (error) {
        return this.refuse(this.guard.toGuardError(error), context)
      }
    }
    return true
  }

  /** Whether the route or its controller is `@Public()`. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean | undefined>(FAPI_PUBLIC_KEY, [context.getHandler(), context.getClass()]) === true
  }

  /** Whether the route's `@Passthrough()`, else its controller's, else the module's `passthrough` option, lets a request without credentials on. */
  protected isPassthrough(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean | undefined>(FAPI_PASSTHROUGH_KEY, [context.getHandler(), context.getClass()]) ?? this.passthrough
  }

  /**
   * The route's own requirements: `@Scopes()`, `@RequireAuthentication()`, `@RequireClaims()`, each
   * the method's, else its controller's; `undefined` when it has none.
   */
  protected getRequirements(context: ExecutionContext): VerifyOptions | undefined {
    const targets = [context.getHandler(), context.getClass()]
    const scopes = this.getRequiredScopes(context)
    const authentication = this.reflector.getAllAndOverride<AuthenticationRequirement | undefined>(FAPI_AUTHENTICATION_KEY, targets)
    const claims = this.reflector.getAllAndOverride<readonly ClaimRequirement[] | undefined>(FAPI_CLAIMS_KEY, targets)
    if (scopes.length === 0 && authentication === undefined && claims === undefined) return undefined
    return {
      ...(scopes.length > 0 && { scopes }),
      ...(authentication?.acrValues !== undefined && { acrValues: authentication.acrValues }),
      ...(authentication?.maxAge !== undefined && { maxAge: authentication.maxAge }),
      ...(claims !== undefined && { claims }),
    }
  }

  /** Scopes of the route's `@Scopes()`, else its controller's (the method's replace the class's). */
  protected getRequiredScopes(context: ExecutionContext): readonly string[] {
    return this.reflector.getAllAndOverride<readonly string[] | undefined>(FAPI_SCOPES_KEY, [context.getHandler(), context.getClass()]) ?? NO_SCOPES
  }

  /** The platform's request object (Express's, or Fastify's); `request.auth` is set on it. */
  protected getRequest(context: ExecutionContext): AuthenticatedRequest {
    return context.switchToHttp().getRequest<AuthenticatedRequest>()
  }

  /** The platform's response object (Express's `res`, or Fastify's `reply`). */
  protected getResponse(context: ExecutionContext): unknown {
    return context.switchToHttp().getResponse<unknown>()
  }

  /**
   * The core `RequestLike`, built by the core's `requestFromNode` from the Node request (Fastify's
   * `request.raw`) and the target as received (`originalUrl`). Override it to put your own in front.
   */
  protected toRequestLike(request: AuthenticatedRequest): RequestLike {
    return buildRequestLike(request)
  }

  /**
   * Refuses the request: sets the error's headers (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`,
   * `x-fapi-interaction-id`) on the response and throws a `FapiGuardException`, which
   * `FapiGuardExceptionFilter` answers. Override it to log or count refusals, then call
   * `super.refuse(error, context)`.
   */
  protected refuse(error: GuardError, context: ExecutionContext): never {
    setResponseHeaders(this.adapterHost.httpAdapter, this.getResponse(context), error.headers)
    throw new FapiGuardException(error)
  }
}
