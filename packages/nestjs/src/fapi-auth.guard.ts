import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { HttpAdapterHost, Reflector } from '@nestjs/core'
import type { AuthContext, Guard, GuardError, RequestLike, VerifyOptions } from '@fapi-guard/core'
import { isMissingCredentials, refusalResponse } from '@fapi-guard/core/adapter'
import type { AuthenticatedRequest } from './auth.decorator.js'
import { buildRequestLike } from './build-request-like.js'
import { FapiGuardException } from './fapi-guard.exception.js'
import { readPassthrough } from './read-module-options.js'
import type { FapiGuardModuleOptions } from './fapi-guard.module-definition.js'
import { setResponseHeaders } from './set-response-headers.js'
import type { DeclaredRequirements } from './requirements.decorator.js'
import { FAPI_GUARD, FAPI_GUARD_OPTIONS, FAPI_PASSTHROUGH_KEY, FAPI_PUBLIC_KEY, FAPI_REQUIREMENTS_KEY } from './tokens.js'

const NO_SCOPES: readonly string[] = Object.freeze([])

/**
 * Lets a request reach the route only with a valid, sender-constrained access token: RFC 9068 JWT
 * checks (or RFC 7662 introspection), DPoP (RFC 9449), RFC 8705 certificate binding and the
 * module-wide requirements (`guard.verify`), then the route's own — `@Requirements()` and its
 * shorthands `@Scopes()`, `@RequireAuthentication()`, `@RequireClaims()`, `@RequireAuthorizationDetails()` — with `guard.authorize`. Use it per controller or
 * route (`@UseGuards(FapiAuthGuard)`) or for the whole application
 * (`{ provide: APP_GUARD, useClass: FapiAuthGuard }`); `@Public()` routes are let through unchecked.
 * On a `@Passthrough()` route (or every route, with the module's `passthrough: true`) a request with
 * no credentials at all goes on without `request.auth`, unless the route has requirements of its own.
 *
 * On success the `AuthContext` is on `request.auth` (and `@Auth()`), and `auth.responseHeaders`
 * (a renewed `DPoP-Nonce`, `x-fapi-interaction-id`) are set on the response. On refusal it sets the
 * refusal's headers (challenge, `Cache-Control: no-store`, `content-type`) on the response and throws
 * a `FapiGuardException` (status, body `{ error, error_description }`), which Nest's own exception
 * handling answers; `FapiGuardExceptionFilter` is not needed for that.
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
      if (isMissingCredentials(refusal) && requirements === undefined && this.isPassthrough(context)) return true
      return this.refuse(refusal, context)
    }
    request.auth = auth
    setResponseHeaders(this.adapterHost.httpAdapter, this.getResponse(context), auth.responseHeaders)
    if (requirements !== undefined) {
      try {
        // The request (its parsed body included) goes to each `authorizationDetails` check.
        this.guard.authorize(auth, requirements, request)
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
   * The route's own requirements (`@Requirements()` and its shorthands): each member the method's,
   * else its controller's; `undefined` when it has none.
   */
  protected getRequirements(context: ExecutionContext): VerifyOptions | undefined {
    const { scopes: _scopes, ...declared } = this.declaredRequirements(context)
    const scopes = this.getRequiredScopes(context)
    const merged: Record<string, unknown> = { ...declared, ...(scopes.length > 0 && { scopes }) }
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key]
    return Object.keys(merged).length === 0 ? undefined : (merged as VerifyOptions)
  }

  /** Scopes of the route's `@Scopes()` / `@Requirements({ scopes })`, else its controller's. */
  protected getRequiredScopes(context: ExecutionContext): readonly string[] {
    return this.declaredRequirements(context).scopes ?? NO_SCOPES
  }

  /** The controller's declared requirements, each member the method declares replacing the controller's. */
  private declaredRequirements(context: ExecutionContext): DeclaredRequirements {
    const ofClass = this.reflector.get<DeclaredRequirements | undefined>(FAPI_REQUIREMENTS_KEY, context.getClass())
    const ofHandler = this.reflector.get<DeclaredRequirements | undefined>(FAPI_REQUIREMENTS_KEY, context.getHandler())
    return { ...ofClass, ...ofHandler }
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
   * Refuses the request: sets the core's refusal headers (`WWW-Authenticate`, `DPoP-Nonce`,
   * `Retry-After`, `x-fapi-interaction-id`, `Cache-Control: no-store`, `content-type`) on the response
   * and throws a `FapiGuardException`, whose status and body `{ error, error_description }` Nest's own
   * exception handling sends. Override it to log or count refusals, then call `super.refuse(error, context)`.
   */
  protected refuse(error: GuardError, context: ExecutionContext): never {
    const { headers } = refusalResponse(this.guard, error)
    setResponseHeaders(this.adapterHost.httpAdapter, this.getResponse(context), headers)
    throw new FapiGuardException(error)
  }
}
