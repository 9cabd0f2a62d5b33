import { Controller, Get } from '@nestjs/common'
import { Auth, Public, Scopes, type AuthContext } from '@fapi-guard/nestjs'

/** The API: one scoped route, one open route. The global FapiAuthGuard protects both unless @Public(). */
@Controller()
export class AccountsController {
  @Get('accounts')
  @Scopes('accounts:read')
  listAccounts(@Auth() auth: AuthContext) {
    return {
      owner: auth.subject,
      boundTo: auth.binding.dpop?.jkt,
      accounts: [{ id: 'acc-1', currency: 'EUR' }],
    }
  }

  @Get('health')
  @Public()
  health() {
    return { status: 'ok' }
  }
}
