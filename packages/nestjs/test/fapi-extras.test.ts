import 'reflect-metadata'
import { Controller, Get, Module, type Type } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import {
  Auth,
  claimEquals,
  claimIncludes,
  FapiAuthGuard,
  FapiGuardModule,
  RequireAuthentication,
  RequireClaims,
  Scopes,
  type AuthContext,
  type GuardOptions,
} from '@fapi-guard/nestjs'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './support/http.js'
import { platforms, start, type Running } from './support/platforms.js'

// Issue 10 on Nest, on both platforms: @RequireAuthentication (RFC 9470) and @RequireClaims on a controller,
// a method's replacing them, and the module's metadata route beside a global prefix. The answers on method
// decorators, the metadata document (at a derived path too) and x-fapi-interaction-id are the contract table's.

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const now = () => Math.floor(Date.now() / 1000)

@Controller('payments')
@RequireAuthentication({ acrValues: ['urn:gold'] })
@RequireClaims(claimEquals('tenant', 'acme'))
class PaymentsController {
  @Get()
  list(@Auth('subject') subject: string) {
    return { subject }
  }

  /** The method's requirements replace the controller's. */
  @Get('recent')
  @RequireAuthentication({ maxAge: 300 })
  @RequireClaims(claimIncludes('groups', 'traders'))
  @Scopes('payments:write')
  recent(@Auth() auth: AuthContext) {
    return { scopes: auth.scopes }
  }
}

function appModule(options: GuardOptions): Type {
  @Module({ imports: [FapiGuardModule.forRoot(options)], controllers: [PaymentsController], providers: [{ provide: APP_GUARD, useClass: FapiAuthGuard }] })
  class AppModule {}
  return AppModule
}

describe.each(platforms)('issue 10 extras on $name', (platform) => {
  let server: Running
  beforeAll(async () => {
    server = await start(
      platform,
      appModule({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' }),
    )
  })
  afterAll(() => server.close())

  const get = async (path: string, claims?: Record<string, unknown>, headers: Record<string, string> = {}) =>
    send(`${server.origin}${path}`, { headers: { ...headers, ...(claims !== undefined && { authorization: `Bearer ${await issuer.mint(claims)}` }) } })

  it('@RequireAuthentication on the controller: another acr → 401 insufficient_user_authentication with acr_values', async () => {
    const refused = await get('/payments', { acr: 'urn:silver', tenant: 'acme' })
    expect(refused.status).toBe(401)
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:gold"/)
    expect(refused.json()).toEqual({ error: 'insufficient_user_authentication', error_description: expect.any(String) })
    expect((await get('/payments', { acr: 'urn:gold', tenant: 'acme' })).status).toBe(200)
  })

  it('@RequireClaims on the controller: a failing claim → 403 insufficient_scope', async () => {
    const refused = await get('/payments', { acr: 'urn:gold', tenant: 'other' })
    expect(refused.status).toBe(403)
    expect(refused.json()).toEqual({ error: 'insufficient_scope', error_description: 'the "tenant" claim does not have the required value' })
  })

  it('the method’s decorators replace the controller’s: maxAge and its own claim, with @Scopes', async () => {
    const fresh = { scope: 'payments:write', auth_time: now(), groups: ['traders'] }
    expect((await get('/payments/recent', fresh)).status).toBe(200) // no acr, no tenant: the controller's requirements are replaced
    const old = await get('/payments/recent', { ...fresh, auth_time: now() - 3600 })
    expect(old.status).toBe(401)
    expect(old.headers['www-authenticate']).toContain('max_age="300"')
    const viewer = await get('/payments/recent', { ...fresh, groups: ['viewers'] })
    expect(viewer.status).toBe(403)
    const noScope = await get('/payments/recent', { ...fresh, scope: 'openid' })
    expect(noScope.status).toBe(403)
    expect(noScope.headers['www-authenticate']).toContain('scope="payments:write"')
  })
})

describe.each(platforms)('metadata route on $name with a global prefix', (platform) => {
  it('stays at the RFC 9728 path, outside the prefix', async () => {
    const app = await platform.create(appModule({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', resource: { identifier: 'https://api.example.test' } }))
    app.setGlobalPrefix('api')
    await app.listen(0, '127.0.0.1')
    try {
      const { port } = (app.getHttpServer() as { address(): { port: number } }).address()
      const reply = await send(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource`)
      expect(reply.status).toBe(200)
      expect(reply.json()).toMatchObject({ resource: 'https://api.example.test' })
      expect((await send(`http://127.0.0.1:${port}/api/payments`)).status).toBe(401)
    } finally {
      await app.close()
    }
  })
})
