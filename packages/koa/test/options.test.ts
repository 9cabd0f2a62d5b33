import { createGuard, type AuthContext } from '@fapi-guard/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, type KoaGuardOptions } from '@fapi-guard/koa'
import type { DefaultState } from 'koa'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

describe('guard() options are checked when guard() is called', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  it('takes passthrough beside the core options', () => {
    expect(() => guard({ ...base(), passthrough: true })).not.toThrow()
    expect(() => guard({ ...base(), passthrough: false, profile: 'oauth2' })).not.toThrow()
  })

  it('an unknown option → TypeError from the core, at creation', () => {
    expect(() => guard({ ...base(), passThrough: true } as unknown as KoaGuardOptions)).toThrow(
      new TypeError('fapi-guard: option "passThrough" is not a known option'),
    )
  })

  it('a bad core option → TypeError naming it', () => {
    expect(() => guard({ ...base(), clockTolerance: -1 })).toThrow(/option "clockTolerance"/)
    expect(() => guard({ audience: 'x' } as KoaGuardOptions)).toThrow(/option "issuer" is required/)
    expect(() => guard({ ...base(), dpop: { nonce: { secret: 'short' } } })).toThrow(TypeError)
  })

  it('passthrough must be a boolean', () => {
    expect(() => guard({ ...base(), passthrough: 'yes' as unknown as boolean })).toThrow(
      new TypeError('fapi-guard: option "passthrough" must be a boolean'),
    )
  })

  it('not an object → TypeError', () => {
    expect(() => guard(undefined as unknown as KoaGuardOptions)).toThrow(TypeError)
    expect(() => guard('https://issuer.example' as unknown as KoaGuardOptions)).toThrow(TypeError)
  })

  it('an existing Guard takes only adapter options', () => {
    const existing = createGuard(base())
    expect(() => guard(existing)).not.toThrow()
    expect(() => guard(existing, { passthrough: true })).not.toThrow()
    expect(() => guard(existing, { profile: 'oauth2' } as never)).toThrow(/"profile" is not an adapter option/)
    expect(() => guard(existing, { passthrough: 1 as unknown as boolean })).toThrow(/"passthrough" must be a boolean/)
  })

  it('guard(options) takes a single argument', () => {
    const untyped = guard as (...args: unknown[]) => unknown
    expect(() => untyped(base(), { passthrough: true })).toThrow(/takes one argument/)
  })

  it('types ctx.state.auth through Koa’s DefaultState', () => {
    expectTypeOf<DefaultState['auth']>().toEqualTypeOf<AuthContext | undefined>()
  })
})

describe.each(koaVersions)('guard(existingGuard) on $name', ({ Koa }) => {
  it('uses the given core Guard', async () => {
    const existing = createGuard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', scopes: ['needed'] })
    const { app, route } = protectedApp(Koa, [guard(existing)])
    const server = await serve(app.callback())
    try {
      const refused = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(refused.status).toBe(403)
      expect(refused.headers['www-authenticate']).toContain('scope="needed"')
      const allowed = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'needed' })}` } })
      expect(allowed.status).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })
})
