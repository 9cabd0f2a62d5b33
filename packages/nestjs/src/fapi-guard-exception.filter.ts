import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { GuardError, type Guard } from '@fapi-guard/core'
import { FapiGuardException } from './fapi-guard.exception.js'
import { FAPI_GUARD } from './tokens.js'
import { setResponseHeaders } from './set-response-headers.js'

/**
 * Answers a refusal on any HTTP platform (Express, Fastify, others through Nest's `HttpAdapterHost`):
 * the `GuardError`'s status, every header it carries (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Retry-After`) and the JSON body `{ error, error_description }` — nothing added or interpreted.
 * Catches `FapiGuardException` (thrown by `FapiAuthGuard`) and `GuardError` (thrown by your own
 * code, e.g. `guard.requireScopes()`; it gets the module guard's challenge). `FapiGuardModule`
 * registers it as a global filter (`APP_FILTER`). Outside HTTP (RPC, WebSockets, GraphQL) it
 * rethrows the exception to that context's own handling.
 */
@Catch(FapiGuardException, GuardError)
export class FapiGuardExceptionFilter implements ExceptionFilter<FapiGuardException | GuardError> {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(FAPI_GUARD) private readonly guard: Guard,
  ) {}

  catch(exception: FapiGuardException | GuardError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception
    const error = exception instanceof FapiGuardException ? exception.guardError : this.guard.toGuardError(exception)
    const adapter = this.adapterHost.httpAdapter
    const response: unknown = host.switchToHttp().getResponse()
    if (adapter.isHeadersSent(response)) {
      adapter.end(response)
      return
    }
    setResponseHeaders(adapter, response, error.headers)
    adapter.reply(response, error.toJSON(), error.status)
  }
}
