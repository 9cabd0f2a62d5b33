import { HttpException } from '@nestjs/common'
import type { GuardError } from '@fapi-guard/core'

/**
 * A refusal by `FapiAuthGuard`, as a Nest `HttpException`: the `GuardError`'s status, and as
 * response body exactly `{ error, error_description }` (RFC 6750 §3). The challenge headers
 * (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`) are in `headers`; the guard has already set them
 * (with `Cache-Control: no-store`) on the response, so Nest's default exception handling, or any filter
 * that answers an `HttpException` with `getStatus()` and `getResponse()`, sends the whole refusal.
 */
export class FapiGuardException extends HttpException {
  /** The refusal, with this guard's challenge. */
  readonly guardError: GuardError

  constructor(guardError: GuardError) {
    super(guardError.toJSON(), guardError.status, { cause: guardError })
    this.guardError = guardError
    this.message = guardError.description
  }

  /** Response headers of the refusal: `www-authenticate`, and `dpop-nonce` or `retry-after` where due. */
  get headers(): Readonly<Record<string, string>> {
    return this.guardError.headers
  }
}
