/**
 * Injection token of the core `Guard` that `FapiGuardModule` builds once from its options
 * (`createGuard` of `@fapi-guard/core`). Inject it to call `verify` or `requireScopes` yourself:
 * `constructor(@Inject(FAPI_GUARD) guard: Guard)`.
 */
export const FAPI_GUARD = 'FAPI_GUARD'

/**
 * Injection token of the module options (the core `GuardOptions`), as given to `forRoot` or
 * returned by the `forRootAsync` factory.
 */
export const FAPI_GUARD_OPTIONS = 'FAPI_GUARD_OPTIONS'

/**
 * Injection token of a `ReplayStore` (RFC 9449 §11.1 proof `jti`s) that replaces the in-memory
 * default, e.g. the Redis store of `@fapi-guard/redis` when several instances serve one API.
 * When a provider for it is visible to `FapiGuardModule` (a global module, or a module in the
 * `imports` of `forRootAsync`), it is passed to the core as `dpop.replayStore`.
 */
export const FAPI_REPLAY_STORE = 'FAPI_REPLAY_STORE'

/** Metadata key of `@Scopes()`. */
export const FAPI_SCOPES_KEY = 'fapi-guard:scopes'

/** Metadata key of `@Passthrough()`: `true` or `false`. */
export const FAPI_PASSTHROUGH_KEY = 'fapi-guard:passthrough'

/** Metadata key of `@Public()`. */
export const FAPI_PUBLIC_KEY = 'fapi-guard:public'

/** Metadata key of `@RequireAuthentication()`: `{ acrValues?, maxAge? }`. */
export const FAPI_AUTHENTICATION_KEY = 'fapi-guard:authentication'

/** Metadata key of `@RequireClaims()`: the claim requirements. */
export const FAPI_CLAIMS_KEY = 'fapi-guard:claims'
