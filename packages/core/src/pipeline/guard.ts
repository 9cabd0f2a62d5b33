import { recordDecision, startTrace, type Trace } from '../audit/record-decision.js'
import { enforceRequirements, type Granted } from '../authorization/enforce-requirements.js'
import { verifyTokenBinding, type VerifiedBinding } from '../binding/verify-token-binding.js'
import { describeCauses } from '../errors/diagnosis.js'
import { GuardError, type AuthScheme } from '../errors/guard-error.js'
import type { CryptoBackend } from '../keys/crypto-backend.js'
import { assembleGuard, type GuardParts, type Platform } from '../assembly/assemble-guard.js'
import type { ProtectedResourceMetadata } from '../metadata/protected-resource-metadata.js'
import { checkRequirements } from '../options/requirements.js'
import { resolveOptions } from '../options/resolve-options.js'
import type { ResolvedOptions } from '../options/resolved.js'
import type { GuardOptions } from '../options/types.js'
import { INTERACTION_ID, readFAPIHeaders, readInteractionId } from '../request/read-fapi-headers.js'
import { readCredentials } from '../request/read-credentials.js'
import { verifyToken, type VerifiedToken } from '../token/verify-token.js'
import type { AuthContext, RequestLike, VerifyOptions } from '../types.js'
import { finalizeRefusal } from './finalize-refusal.js'
import { verifiedBy } from './verified-by.js'

export type { Platform } from '../assembly/assemble-guard.js'

/** A configured resource-server guard. */
export interface Guard {
  /**
   * Decides whether a request may reach the route: reads its credentials, verifies the access token
   * (RFC 9068), its sender constraint (RFC 9449, RFC 8705) and the requirements. Resolves to the
   * `AuthContext`; rejects with a `GuardError` (with status, challenge headers and body), never anything else.
   */
  verify(request: Request | RequestLike, requirements?: VerifyOptions): Promise<AuthContext>
  /**
   * Checks per-route requirements (scopes, step-up `acrValues`/`maxAge`, claims, authorization details)
   * on a verified `AuthContext`; throws a `GuardError`. `request` is handed to the `check` of each
   * `authorizationDetails` requirement (the adapters give the framework's request object).
   */
  authorize(auth: AuthContext, requirements: VerifyOptions, request?: unknown): void
  /** @deprecated The same as `authorize(auth, { scopes })`. */
  requireScopes(auth: AuthContext, scopes: readonly string[]): void
  /** Gives any error its final form: a `GuardError` with this guard's challenges (what adapters send); anything else becomes `ERR_INTERNAL` (500) with the error as `cause`. */
  toGuardError(error: unknown): GuardError
  /** The RFC 9728 protected resource metadata document, when `resource` is configured. */
  metadata(): ProtectedResourceMetadata | undefined
  /** The path adapters serve `metadata()` at (`/.well-known/oauth-protected-resource…`), when `resource` is configured. */
  readonly metadataPath: string | undefined
  /**
   * Loads every issuer's metadata and keys now, and the introspection endpoint where it is found by
   * discovery; rejects with the precise reason (the URL and status, not JSON, an issuer that differs —
   * "only by a trailing slash" said so —, a connection or TLS error, a timeout). Call it at startup to
   * fail there, as Spring does, instead of on the first request. Resolves when every issuer is ready.
   */
  ready(): Promise<void>
}

/** True for a guard made by `createGuard` (or anything with its methods). */
export function isGuard(value: unknown): value is Guard {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof Guard, unknown>>
  return typeof candidate.verify === 'function' && typeof candidate.authorize === 'function' && typeof candidate.toGuardError === 'function'
}

/**
 * Builds a guard on a given crypto backend (or one chosen from the checked options) and platform;
 * `createGuard` in each entry point picks them.
 */
export function createGuardWith(options: GuardOptions, backend: CryptoBackend | ((options: ResolvedOptions) => CryptoBackend), platform: Platform = {}): Guard {
  const resolved = resolveOptions(options)
  return new ResourceGuard(assembleGuard(resolved, typeof backend === 'function' ? backend(resolved) : backend, platform))
}

/** Per-call requirement objects already checked (routes pass the same object on every call). */
const checkedRequirements = new WeakSet<VerifyOptions>()

/** The pipeline of DESIGN's steps; everything it runs on was built by `assembleGuard`. */
class ResourceGuard implements Guard {
  readonly #parts: GuardParts
  readonly metadataPath: string | undefined

  constructor(parts: GuardParts) {
    this.#parts = parts
    this.metadataPath = parts.metadataPath
  }

  async verify(request: Request | RequestLike, requirements?: VerifyOptions): Promise<AuthContext> {
    const parts = this.#parts
    // 1. The request: it is one, its interaction id, the per-call requirements valid.
    const trace = startTrace(parts.interactionId ? readInteractionId(request) : undefined)
    let scheme: AuthScheme | undefined
    try {
      if (typeof request !== 'object' || request === null) throw new GuardError('ERR_REQUEST_INVALID', 'no request was given')
      if (requirements !== undefined) checkCallRequirements(requirements)
      // 2. Credentials: one Authorization header (or none), its scheme and token (RFC 6750 §2, RFC 9449 §7).
      const credentials = readCredentials(request as RequestLike, parts.credentials)
      scheme = credentials.scheme
      trace.checks.push('credentials')
      const now = parts.clock() / 1000
      // 3. Token: a JWT verified here (RFC 9068), anything else introspected by its issuer (RFC 7662).
      const token = await verifyToken(credentials.token, now, parts.tokens)
      trace.checks.push(token.source)
      trace.kid = token.kid
      // 4. Binding: DPoP proof (RFC 9449) and client certificate (RFC 8705), as the token's `cnf` demands.
      const bound = await verifyTokenBinding(token.claims.cnf, scheme, request as RequestLike, credentials.token, now, parts.binding, token.tokenHash)
      trace.checks.push('binding')
      trace.nonce = bound.nonce
      if (bound.binding.dpop !== undefined) trace.replay = 'first-use'
      // 5. Requirements: the guard-wide ones, then the route's (step-up, scopes, claims).
      this.#enforce(token, requirements, now, request)
      trace.checks.push('authorization')
      // 6. Context: what the route sees.
      const auth = authContext(request, credentials.token, token, bound, trace, parts.clientIdClaims)
      recordDecision(parts.decisions, request, trace, auth, undefined)
      // Adapters' later per-route middleware calls authorize(auth, …) without holding the guard.
      verifiedBy.set(auth, this)
      return auth
    } catch (error) {
      const refusal = finalizeRefusal(error, { scheme, interactionId: trace.interaction?.value }, parts.challenge)
      recordDecision(parts.decisions, request, trace, undefined, refusal)
      throw refusal
    }
  }

  /**
   * Step 5: the guard-wide requirements, then the route's — the same checks, in the same order,
   * whether the route's come with `verify(request, requirements)` or with `authorize(auth, requirements)`
   * after it (as the adapters do), so both give the same answer.
   */
  #enforce(token: Granted, requirements: VerifyOptions | undefined, now: number, request: unknown): void {
    const { guardWide, clockTolerance } = this.#parts
    enforceRequirements(token, guardWide, now, clockTolerance, request)
    if (requirements !== undefined) enforceRequirements(token, requirements, now, clockTolerance, request)
  }

  authorize(auth: AuthContext, requirements: VerifyOptions, request?: unknown): void {
    const scheme: AuthScheme = auth.binding.dpop !== undefined ? 'DPoP' : 'Bearer'
    try {
      checkCallRequirements(requirements)
      enforceRequirements(auth, requirements, this.#parts.clock() / 1000, this.#parts.clockTolerance, request)
    } catch (error) {
      throw finalizeRefusal(error, { scheme, interactionId: auth.interactionId }, this.#parts.challenge)
    }
  }

  requireScopes(auth: AuthContext, scopes: readonly string[]): void {
    this.authorize(auth, { scopes })
  }

  toGuardError(error: unknown): GuardError {
    return finalizeRefusal(error, { scheme: undefined, interactionId: undefined }, this.#parts.challenge)
  }

  metadata(): ProtectedResourceMetadata | undefined {
    return this.#parts.metadata
  }

  async ready(): Promise<void> {
    const checks = [...this.#parts.readiness]
    const outcomes = await Promise.allSettled(checks.map(([, check]) => check()))
    const failures = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ issuer: checks[i]?.[0] as string, error: outcome.reason as unknown }] : []))
    if (failures.length === 0) return
    const reasons = failures.map(({ issuer, error }) => {
      const causes = describeCauses(error)
      return `issuer "${issuer}": ${error instanceof Error ? error.message : String(error)}${causes === undefined ? '' : ` ← ${causes}`}`
    })
    throw new Error(`fapi-guard is not ready: ${reasons.join('; ')}`, { cause: failures[0]?.error })
  }
}

/** Per-call requirements are checked like options, once per object: an unknown key or a bad value is a fault of the route (`ERR_INTERNAL`), never ignored. */
function checkCallRequirements(requirements: VerifyOptions): void {
  if (checkedRequirements.has(requirements)) return
  checkRequirements(requirements, 'the requirements of verify(request, requirements)', { allowEmpty: true })
  checkedRequirements.add(requirements)
}

/** Step 6: the `AuthContext` the route sees. */
function authContext(request: Request | RequestLike, token: string, verified: VerifiedToken, bound: VerifiedBinding, trace: Trace, clientIdClaims: readonly string[]): AuthContext {
  const { claims, issuer, scopes, source, authorizationDetails } = verified
  const interactionId = trace.interaction?.value
  const fapi = readFAPIHeaders(request)
  const clientId = readClientId(claims, clientIdClaims)
  return {
    token,
    claims,
    source,
    issuer,
    ...(typeof claims.sub === 'string' && { subject: claims.sub }),
    ...(clientId !== undefined && { clientId }),
    scopes,
    binding: bound.binding,
    responseHeaders: interactionId === undefined ? bound.responseHeaders : { ...bound.responseHeaders, [INTERACTION_ID]: interactionId },
    ...(interactionId !== undefined && { interactionId }),
    ...(fapi !== undefined && { fapi }),
    ...(authorizationDetails !== undefined && { authorizationDetails }),
  }
}

/** `AuthContext.clientId`: the first of the `clientIdClaim` claims that is a non-empty string. */
function readClientId(claims: Readonly<Record<string, unknown>>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = claims[name]
    if (typeof value === 'string' && value.length > 0) return value
  }
  return undefined
}
