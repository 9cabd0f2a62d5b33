import { ERROR_TABLE, type ErrorCode, type GuardErrorStatus, type OAuthErrorCode } from './codes.js'

/** The authorization scheme a request used, as far as it could be told. */
export type AuthScheme = 'Bearer' | 'DPoP'

/** What a failure site knows beyond its code: which scheme the client used, what scope the route needs. */
export interface GuardErrorDetail {
  /** The scheme the client used; `undefined` when it cannot be told (the error then goes in every challenge). */
  readonly scheme?: AuthScheme | undefined
  /** Space-delimited scopes the route needs (`insufficient_scope`). */
  readonly scope?: string | undefined
  /** Space-delimited ACR values, in order of preference (`insufficient_user_authentication`, RFC 9470 §3). */
  readonly acrValues?: string | undefined
  /** Seconds allowed since the last active authentication (`insufficient_user_authentication`, RFC 9470 §3). */
  readonly maxAge?: number | undefined
  /**
   * The precise fault behind the refusal, for operators (an `HTTPExchangeError` naming the endpoint,
   * without userinfo or query). Kept as the error's `cause`; never in the response.
   */
  readonly cause?: unknown
}

/** Everything a `GuardError` is made of (the options-object form of the constructor). */
export interface GuardErrorInit extends GuardErrorDetail {
  /** The fine-grained reason; it fixes the status and OAuth error code. */
  readonly code: ErrorCode
  /** Short, specific, human-readable reason (`error_description`): never a token, secret or endpoint address. */
  readonly description: string
  /** Response headers (`www-authenticate`, `dpop-nonce`, `retry-after`); the guard adds its challenge when it finalizes the error. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Whether `toJSON` carries `error_description` (the `errorDescriptions` option). Default `true`. */
  readonly describe?: boolean | undefined
}

/**
 * Why `verify` refused a request. The only kind of error `verify` throws.
 *
 * Adapters copy `status`, `headers` and `{ error, error_description }` (see `toJSON`) to the response;
 * nothing else. `description` never contains a token, a secret, a key or an endpoint's address; the
 * operator's detail of a fault, where there is one, is the standard `cause`.
 */
export class GuardError extends Error {
  override readonly name = 'GuardError'
  /** HTTP status: 400, 401, 403 or 503; 500 only for `ERR_INTERNAL` (a fault on the server). */
  readonly status: GuardErrorStatus
  /** OAuth error code; `undefined` when the request carried no credentials (RFC 6750 §3.1). */
  readonly error: OAuthErrorCode | undefined
  /** Fine-grained reason, one of `ErrorCodes`. */
  readonly code: ErrorCode
  /** Short, specific, human-readable reason for developers (RFC 6750 §3 `error_description`). */
  readonly description: string
  /** Response headers the adapter must send: `www-authenticate`, and `dpop-nonce` where due. */
  readonly headers: Readonly<Record<string, string>>
  /** Scheme the client used, where known. */
  readonly scheme: AuthScheme | undefined
  /** Scopes the route needs, for `insufficient_scope`. */
  readonly scope: string | undefined
  /** ACR values the route accepts, for `insufficient_user_authentication`. */
  readonly acrValues: string | undefined
  /** Greatest authentication age the route accepts, for `insufficient_user_authentication`. */
  readonly maxAge: number | undefined

  /** Whether `toJSON` carries `error_description` (`errorDescriptions` option). */
  readonly #describe: boolean

  /** `new GuardError({ code, description, cause?, scheme?, scope?, … })`, or `new GuardError(code, description, detail?)`. */
  constructor(init: GuardErrorInit)
  constructor(code: ErrorCode, description: string, detail?: GuardErrorDetail)
  /** @deprecated Give headers and `describe` in the options object: `new GuardError({ code, description, headers, describe })`. */
  constructor(code: ErrorCode, description: string, detail: GuardErrorDetail, headers: Record<string, string>, describe?: boolean)
  constructor(
    first: ErrorCode | GuardErrorInit,
    description?: string,
    detail: GuardErrorDetail = {},
    headers: Readonly<Record<string, string>> = {},
    describe = true,
  ) {
    const init: GuardErrorInit = typeof first === 'object' ? first : { ...detail, code: first, description: description as string, headers, describe }
    // `cause` is a non-enumerable own property (ES2022): adapters send `toJSON()` only, so it never reaches a client.
    super(init.description, init.cause === undefined ? undefined : { cause: init.cause })
    const kind = ERROR_TABLE[init.code]
    this.status = kind.status
    this.error = kind.error
    this.code = init.code
    this.description = init.description
    this.scheme = init.scheme
    this.scope = init.scope
    this.acrValues = init.acrValues
    this.maxAge = init.maxAge
    this.headers = init.headers ?? {}
    this.#describe = init.describe ?? true
  }

  /** The JSON body adapters send: `{ error, error_description }` (description left out when hidden). */
  toJSON(): { error: string; error_description?: string } {
    const body: { error: string; error_description?: string } = { error: this.error ?? 'unauthorized' }
    if (this.#describe && this.error !== undefined) body.error_description = this.description
    return body
  }
}

/** True for the refusal of a request that carried no credentials at all (RFC 6750 §3.1, `ERR_NO_CREDENTIALS`): what `passthrough` lets go on. */
export function isMissingCredentials(refusal: GuardError): boolean {
  return refusal.code === 'ERR_NO_CREDENTIALS'
}

/** True for a `GuardError`, also across duplicated copies of this package (ESM and CommonJS). */
export function isGuardError(value: unknown): value is GuardError {
  return (
    value instanceof GuardError ||
    (value instanceof Error && value.name === 'GuardError' && typeof (value as GuardError).code === 'string')
  )
}
