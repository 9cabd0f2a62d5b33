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

// Issue 10 on Nest, on both platforms: @RequireAuthentication (RFC 9470), @RequireClaims, RFC 9728
// metadata served by the module, x-fapi-interaction-id on every answer.

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const IDENTIFIER = 'https://api.example.test/v1'
const METADATA_PATH = '/.well-known/oauth-protected-resource/v1'
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
      appModule({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', interactionId: true, resource: { identifier: IDENTIFIER, scopes: ['payments:write'] } }),
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

  it('serves the RFC 9728 metadata at the path derived from the identifier, unguarded and cacheable', async () => {
    const reply = await send(`${server.origin}${METADATA_PATH}`)
    expect(reply.status).toBe(200)
    expect(reply.headers['cache-control']).toBe('public, max-age=3600')
    expect(reply.headers['content-type']).toMatch(/^application\/json/)
    expect(reply.json()).toMatchObject({
      resource: IDENTIFIER,
      authorization_servers: [issuer.issuer],
      scopes_supported: ['payments:write'],
      bearer_methods_supported: ['header'],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: true,
    })
    const challenge = (await get('/payments')).headers['www-authenticate']
    expect(challenge).toContain(`resource_metadata="https://api.example.test${METADATA_PATH}"`)
  })

  it('sends x-fapi-interaction-id on success and on every refusal (guard, step-up, claims)', async () => {
    const id = '6f9619ff-8b86-4d01-b42d-00c04fc964ff'
    const header = { 'x-fapi-interaction-id': id }
    const answers = await Promise.all([
      get('/payments', { acr: 'urn:gold', tenant: 'acme' }, header),
      get('/payments', undefined, header),
      get('/payments', { acr: 'urn:bronze', tenant: 'acme' }, header),
      get('/payments', { acr: 'urn:gold', tenant: 'x' }, header),
    ])
    expect(answers.map((answer) => [answer.status, answer.headers['x-fapi-interaction-id']])).toEqual([
      [200, id],
      [401, id],
      [401, id],
      [403, id],
    ])
    expect((await get('/payments')).headers['x-fapi-interaction-id']).toMatch(UUID)
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
