import 'reflect-metadata'
import { Controller, Get, Module, type Type } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { Auth, FapiAuthGuard, FapiGuardModule, Passthrough, Scopes, type AuthContext, type FapiGuardModuleOptions } from '@fapi-guard/nestjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './support/http.js'
import { platforms, start, type Running } from './support/platforms.js'

// Optional authentication: `@Passthrough()` per route or controller, `passthrough: true` module-wide
// (`@Passthrough(false)` opts a route out). No credentials → the route runs without auth; any
// credential present is verified; a route with requirements refuses with the 401 challenge.

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

const HOUR = 3_600_000
const body = (auth: AuthContext | undefined) => ({ subject: auth?.subject ?? null })

@Controller('offers')
class OffersController {
  @Get()
  @Passthrough()
  offers(@Auth() auth: AuthContext | undefined) {
    return body(auth)
  }

  @Get('mine')
  @Passthrough()
  @Scopes('offers:read')
  mine(@Auth() auth: AuthContext | undefined) {
    return body(auth)
  }

  @Get('strict')
  strict(@Auth() auth: AuthContext | undefined) {
    return body(auth)
  }

  @Get('opted-out')
  @Passthrough(false)
  optedOut(@Auth() auth: AuthContext | undefined) {
    return body(auth)
  }
}

function appModule(options: FapiGuardModuleOptions): Type {
  @Module({ imports: [FapiGuardModule.forRoot(options)], controllers: [OffersController], providers: [{ provide: APP_GUARD, useClass: FapiAuthGuard }] })
  class AppModule {}
  return AppModule
}

const options = (extra: object = {}): FapiGuardModuleOptions => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', clock: () => Date.now() + HOUR, ...extra })
const bearer = async (claims: object = {}) => ({ authorization: `Bearer ${await issuer.mint({ exp: Math.floor((Date.now() + 2 * HOUR) / 1000), ...claims })}` })

describe.each(platforms)('passthrough on $name', (platform) => {
  describe('@Passthrough() on a route', () => {
    let server: Running
    beforeAll(async () => {
      server = await start(platform, appModule(options()))
    })
    afterAll(() => server.close())

    it('no credentials → the route runs, @Auth() is undefined, no challenge', async () => {
      const reply = await send(`${server.origin}/offers`)
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ subject: null })
      expect(reply.headers['www-authenticate']).toBeUndefined()
    })

    it('a valid token → the route runs with auth', async () => {
      const reply = await send(`${server.origin}/offers`, { headers: await bearer({ sub: 'bob' }) })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ subject: 'bob' })
    })

    // Each kind of refusal under passthrough (malformed, expired, …) is the contract table's (PASS-*, module-wide).
    it('a token that is not a JWT is still refused', async () => {
      const reply = await send(`${server.origin}/offers`, { headers: { authorization: 'Bearer not-a-jwt' } })
      expect(reply.status).toBe(401)
      expect(reply.json()).toMatchObject({ error: 'invalid_token' })
    })

    it('with @Scopes() too: no credentials → 401 with the challenge; a token is checked for the scope', async () => {
      const anonymous = await send(`${server.origin}/offers/mine`)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
      expect(anonymous.headers['www-authenticate']).not.toContain('error=')
      expect(anonymous.json()).toEqual({ error: 'unauthorized' })
      expect((await send(`${server.origin}/offers/mine`, { headers: await bearer({ scope: 'openid' }) })).status).toBe(403)
      expect((await send(`${server.origin}/offers/mine`, { headers: await bearer({ scope: 'offers:read' }) })).status).toBe(200)
    })

    it('a route without it still needs credentials', async () => {
      expect((await send(`${server.origin}/offers/strict`)).status).toBe(401)
    })
  })

  describe('module-wide passthrough: true', () => {
    let server: Running
    beforeAll(async () => {
      server = await start(platform, appModule(options({ passthrough: true })))
    })
    afterAll(() => server.close())

    it('every route lets a request without credentials on', async () => {
      const reply = await send(`${server.origin}/offers/strict`)
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ subject: null })
    })

    it('@Passthrough(false) opts a route out', async () => {
      expect((await send(`${server.origin}/offers/opted-out`)).status).toBe(401)
    })
  })

  it('a passthrough that is not a boolean fails the bootstrap', async () => {
    await expect(start(platform, appModule(options({ passthrough: 'yes' })))).rejects.toThrow(new TypeError('fapi-guard: option "passthrough" must be a boolean'))
  })
})

describe('@Passthrough()', () => {
  it('takes only a boolean', () => {
    expect(() => Passthrough('yes' as unknown as boolean)).toThrow(TypeError)
  })
})
