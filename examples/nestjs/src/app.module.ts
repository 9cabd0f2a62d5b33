import { Module, type DynamicModule } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { FapiAuthGuard, FapiGuardModule } from '@fapi-guard/nestjs'
import { AccountsController } from './accounts.controller.js'

/** Where tokens come from and who they are for. */
export interface APIConfig {
  readonly issuer: string
  readonly audience: string
}

@Module({})
export class AppModule {
  /**
   * The application: fapi-guard with its defaults (FAPI 2.0: sender-constrained tokens only, here
   * DPoP-bound), its guard on every route (APP_GUARD), and the accounts controller.
   */
  static forRoot(config: APIConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [FapiGuardModule.forRoot({ issuer: config.issuer, audience: config.audience })],
      controllers: [AccountsController],
      providers: [{ provide: APP_GUARD, useClass: FapiAuthGuard }],
    }
  }
}
