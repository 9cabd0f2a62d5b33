import type { AuthContext, AuthenticationRequirement, AuthorizationDetailRequirement, ClaimRequirement, VerifyOptions } from '@fapi-guard/core'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** An `onRequest` hook of the plugin: `app.authenticate`, or what `app.requireScopes(...)` and its siblings return. */
export type GuardHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * `onRequest` hook: verifies the request, then the route's `config` requirements (`scopes`,
     * `acrValues`, `maxAge`, `claims`; `authorizationDetails` in `preHandler`); sets `request.auth`, or answers the refusal so the handler never runs.
     */
    authenticate: GuardHook
    /** Builds an `onRequest` hook for after `authenticate`: per-route requirements (`scopes`, `acrValues`, `maxAge`, `claims`). */
    requireAuthorization(requirements: VerifyOptions): GuardHook
    /** Builds an `onRequest` hook for after `authenticate`: every scope named must be granted, else 403. */
    requireScopes(...scopes: string[]): GuardHook
    /** Builds an `onRequest` hook for after `authenticate`: RFC 9470 step-up (`acr`, `auth_time`), else 401 `insufficient_user_authentication`. */
    requireAuthentication(requirement: AuthenticationRequirement): GuardHook
    /** Builds an `onRequest` hook for after `authenticate`: every claim requirement must hold, else 403. */
    requireClaims(...claims: ClaimRequirement[]): GuardHook
    /**
     * Builds a hook for after `authenticate`: RFC 9396 authorization details, each requirement met by
     * some detail of the token (`check(detail, request)`), else 403 `insufficient_authorization_details`.
     * Put it in `preHandler` when a `check` reads `request.body` (not parsed yet in `onRequest`).
     */
    requireAuthorizationDetails(...requirements: AuthorizationDetailRequirement<FastifyRequest>[]): GuardHook
  }

  interface FastifyRequest {
    /** What `authenticate` verified; `null` until it has, on routes it does not guard, and with `passthrough` on a request without credentials. */
    auth: AuthContext | null
  }

  interface FastifyContextConfig {
    /** Scopes this route needs, checked by `authenticate` on top of the guard-wide `scopes`. */
    scopes?: readonly string[]
    /** Accepted `acr` values for this route (RFC 9470 step-up), checked by `authenticate`. */
    acrValues?: readonly string[]
    /** Seconds allowed since the user authenticated (`auth_time`, RFC 9470), checked by `authenticate`. */
    maxAge?: number
    /** Claim requirements of this route (`claimEquals`, `claimIncludes`, `claimCheck`), checked by `authenticate`. */
    claims?: readonly ClaimRequirement[]
    /**
     * RFC 9396 authorization details this route needs; checked in a `preHandler` the plugin adds (routes
     * added after it is registered), so each `check(detail, request)` sees the parsed `request.body`.
     */
    authorizationDetails?: readonly AuthorizationDetailRequirement<FastifyRequest>[]
  }
}
