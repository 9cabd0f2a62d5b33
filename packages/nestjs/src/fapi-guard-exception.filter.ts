import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { GuardError, type Guard } from '@fapi-guard/core'
import { refusalResponse } from '@fapi-guard/core/adapter'
import { FapiGuardException } from './fapi-guard.exception.js'
import { FAPI_GUARD } from './tokens.js'
import { setResponseHeaders } from './set-response-headers.js'

/**
 * Opt-in exception filter that answers a `GuardError` your own code throws (e.g. `guard.authorize()`
 * in a controller) as `FapiAuthGuard` answers its refusals: the core's refusal answer — status, the
 * module guard's challenge, `Cache-Control: no-store`, the JSON body `{ error, error_description }` —
 * on any HTTP platform (through Nest's `HttpAdapterHost`). It also catches `FapiGuardException`. Not
 * registered by `FapiGuardModule`: add `{ provide: APP_FILTER, useClass: FapiGuardExceptionFilter }`
 * (or `@UseFilters`). Outside HTTP (RPC, WebSockets, GraphQL) it rethrows the exception to that context's own handling.
 */
@Catch(FapiGuardException, GuardError)
export class FapiGuardExceptionFilter implements ExceptionFilter<FapiGuardException | GuardError> {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(FAPI_GUARD) private readonly guard: Guard,
  ) {}

  catch(exception: FapiGuardException | GuardError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception
    const answer = refusalResponse(this.guard, exception instanceof FapiGuardException ? exception.guardError : exception)
    const adapter = this.adapterHost.httpAdapter
    const response: unknown = host.switchToHttp().getResponse()
    if (adapter.isHeadersSent(response)) {
      adapter.end(response)
      return
    }
    setResponseHeaders(adapter, response, answer.headers)
    adapter.reply(response, answer.body, answer.status)
  }
}
