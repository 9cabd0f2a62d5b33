// Injection tokens are symbols (Nest's idiom for library tokens: no clash with an application's string
// tokens). Registered symbols, so the ESM and CommonJS builds of this package name the same token.
// The string each one replaced still resolves: FapiGuardModule provides `'FAPI_GUARD'` and
// `'FAPI_GUARD_OPTIONS'` as aliases, and reads a `ReplayStore` under `'FAPI_REPLAY_STORE'` too.

/**
 * Injection token of the core `Guard` that `FapiGuardModule` builds once from its options
 * (`createGuard` of `@fapi-guard/core`). Inject it to call `verify` or `authorize` yourself:
 * `constructor(@Inject(FAPI_GUARD) guard: Guard)`.
 */
export const FAPI_GUARD: unique symbol = Symbol.for('@fapi-guard/nestjs:FAPI_GUARD')

/**
 * Injection token of the module options (the core `GuardOptions`), as given to `forRoot` or
 * returned by the `forRootAsync` factory.
 */
export const FAPI_GUARD_OPTIONS: unique symbol = Symbol.for('@fapi-guard/nestjs:FAPI_GUARD_OPTIONS')

/**
 * Injection token of a `ReplayStore` (RFC 9449 §11.1 proof `jti`s) that replaces the in-memory
 * default, e.g. the Redis store of `@fapi-guard/redis` when several instances serve one API.
 * When a provider for it is visible to `FapiGuardModule` (a global module, or a module in the
 * `imports` of `forRootAsync`), it is passed to the core as `dpop.replayStore`.
 */
export const FAPI_REPLAY_STORE: unique symbol = Symbol.for('@fapi-guard/nestjs:FAPI_REPLAY_STORE')

/** The string tokens of earlier versions, still resolved (see above). */
export const LEGACY_TOKENS = { guard: 'FAPI_GUARD', options: 'FAPI_GUARD_OPTIONS', replayStore: 'FAPI_REPLAY_STORE' } as const

/** Metadata key of `@Requirements()` and its shorthands: the route's `{ scopes?, acrValues?, maxAge?, claims? }`. */
export const FAPI_REQUIREMENTS_KEY = 'fapi-guard:requirements'

/** Metadata key of `@Passthrough()`: `true` or `false`. */
export const FAPI_PASSTHROUGH_KEY = 'fapi-guard:passthrough'

/** Metadata key of `@Public()`. */
export const FAPI_PUBLIC_KEY = 'fapi-guard:public'

/**
 * Metadata key of `@Scopes()`: the scopes.
 * @deprecated `FapiAuthGuard` reads `FAPI_REQUIREMENTS_KEY`; this one is still written, for code that reads it.
 */
export const FAPI_SCOPES_KEY = 'fapi-guard:scopes'

/**
 * Metadata key of `@RequireAuthentication()`: `{ acrValues?, maxAge? }`.
 * @deprecated `FapiAuthGuard` reads `FAPI_REQUIREMENTS_KEY`; this one is still written, for code that reads it.
 */
export const FAPI_AUTHENTICATION_KEY = 'fapi-guard:authentication'

/**
 * Metadata key of `@RequireClaims()`: the claim requirements.
 * @deprecated `FapiAuthGuard` reads `FAPI_REQUIREMENTS_KEY`; this one is still written, for code that reads it.
 */
export const FAPI_CLAIMS_KEY = 'fapi-guard:claims'
