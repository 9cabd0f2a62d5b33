import { createGuard, type AuthContext } from '@fapi-guard/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import fapiGuard, { fapiGuard as named, type FastifyGuardOptions, type GuardHook } from '@fapi-guard/fastify'
import Fastify, { type FastifyRequest } from 'fastify'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { protectedApp } from './support/apps.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

async function register(options: unknown): Promise<void> {
  const app = Fastify()
  try {
    await app.register(fapiGuard, options as FastifyGuardOptions)
    await app.ready()
  } finally {
    await app.close()
  }
}

describe('plugin options are checked at register', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  it('an unknown option → TypeError from the core', async () => {
    await expect(register({ ...base(), scope: ['x'] })).rejects.toThrow(new TypeError('fapi-guard: option "scope" is not a known option'))
  })

  it('a bad core option → TypeError naming it', async () => {
    await expect(register({ ...base(), clockTolerance: -1 })).rejects.toThrow(/option "clockTolerance"/)
    await expect(register({ audience: 'x' })).rejects.toThrow(/option "issuer" is required/)
    await expect(register({ ...base(), dpop: { nonce: { secret: 'short' } } })).rejects.toBeInstanceOf(TypeError)
  })

  it('Fastify’s own register options (prefix, logLevel) are not the guard’s', async () => {
    await expect(register({ ...base(), prefix: '/api', logLevel: 'warn' })).resolves.toBeUndefined()
  })

  it('{ guard } takes an existing core Guard, and nothing beside it', async () => {
    const existing = createGuard(base())
    await expect(register({ guard: existing })).resolves.toBeUndefined()
    await expect(register({ guard: existing, profile: 'oauth2' })).rejects.toThrow(/"profile" cannot go with "guard"/)
    await expect(register({ guard: { verify: 1 } })).rejects.toThrow(/option "guard" must be a Guard/)
  })

  it('the plugin is wrapped by fastify-plugin with its name, and is also a named export', () => {
    expect(named).toBe(fapiGuard)
    expect((fapiGuard as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')]).toBe('@fapi-guard/fastify')
    expect((fapiGuard as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')]).toMatchObject({ fastify: '5.x' })
  })

  it('registered twice on one app → Fastify refuses the second decoration', async () => {
    const app = Fastify()
    try {
      await app.register(fapiGuard, base())
      await expect(app.register(fapiGuard, base())).rejects.toThrow(/authenticate|already/)
    } finally {
      await app.close()
    }
  })

  it('types: request.auth, app.authenticate, app.requireScopes, config.scopes', () => {
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<AuthContext | null>()
    const app = Fastify()
    expectTypeOf(app.authenticate).toEqualTypeOf<GuardHook>()
    expectTypeOf(app.requireScopes).parameters.toEqualTypeOf<string[]>()
  })
})

describe('an existing core Guard', () => {
  it('is the one authenticate uses', async () => {
    const existing = createGuard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', scopes: ['needed'] })
    const { app, route } = await protectedApp({ guard: existing })
    try {
      const refused = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(refused.statusCode).toBe(403)
      expect(refused.headers['www-authenticate']).toContain('scope="needed"')
      const allowed = await app.inject({ url: '/resource', headers: { authorization: `Bearer ${await issuer.mint({ scope: 'needed' })}` } })
      expect(allowed.statusCode).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await app.close()
    }
  })
})
