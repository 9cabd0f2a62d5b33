import type { VerifyOptions } from '@fapi-guard/core'
import { defineRequirements } from '@fapi-guard/core/adapter'
import { FAPI_REQUIREMENTS_KEY } from './tokens.js'

/** What a route or controller declares: each member given replaces the controller's (`undefined`: cleared). */
export type DeclaredRequirements = { readonly [K in keyof VerifyOptions]?: VerifyOptions[K] | undefined }

/** Stores `declared` on the method (or class), merged with what its other requirement decorators stored. */
export function declareRequirements(declared: DeclaredRequirements): MethodDecorator & ClassDecorator {
  // As Nest's SetMetadata: on the method (descriptor.value) or the class; merged, not replaced.
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder = (descriptor?.value ?? target) as object
    const current = Reflect.getMetadata(FAPI_REQUIREMENTS_KEY, holder) as DeclaredRequirements | undefined
    Reflect.defineMetadata(FAPI_REQUIREMENTS_KEY, Object.freeze({ ...current, ...declared }), holder)
  }
}

/**
 * Per-route requirements of a route (method) or every route of a controller (class):
 * `@Requirements({ scopes?, acrValues?, maxAge?, claims?, authorizationDetails? })` — scopes all granted (else 403
 * `insufficient_scope`, RFC 6750 §3.1), RFC 9470 step-up (else 401 `insufficient_user_authentication`),
 * claim requirements (else 403), RFC 9396 authorization details (else 403 `insufficient_authorization_details`;
 * each `check(detail, request)` gets the platform's HTTP request). Each member a method sets replaces its controller's; the module-wide
 * options are checked for every route first. Checked when applied with the core's `defineRequirements`
 * (`TypeError`). `@Scopes()`, `@RequireAuthentication()`, `@RequireClaims()` and `@RequireAuthorizationDetails()` are shorthands of it.
 */
export function Requirements(requirements: VerifyOptions): MethodDecorator & ClassDecorator {
  return declareRequirements(defineRequirements(requirements, '@Requirements()'))
}
