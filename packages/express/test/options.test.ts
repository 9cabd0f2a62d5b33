import { createGuard } from '@fapi-guard/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, type ExpressGuardOptions } from '@fapi-guard/express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { expressVersions } from './support/express-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

describe('guard() options are checked when guard() is called', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  it('hands adapter-only options to nobody but the adapter: core accepts the rest', () => {
    expect(() => guard({ ...base(), forwardErrors: true })).not.toThrow()
    expect(() => guard({ ...base(), forwardErrors: false, profile: 'oauth2' })).not.toThrow()
  })

  it('an unknown option → TypeError from the core, at creation', () => {
    expect(() => guard({ ...base(), forwardError: true } as unknown as ExpressGuardOptions)).toThrow(
      new TypeError('fapi-guard: option "forwardError" is not a known option'),
    )
  })

  it('a bad core option → TypeError naming it', () => {
    expect(() => guard({ ...base(), clockTolerance: -1 })).toThrow(/option "clockTolerance"/)
    expect(() => guard({ audience: 'x' } as ExpressGuardOptions)).toThrow(/option "issuer" is required/)
  })

  it('forwardErrors must be a boolean', () => {
    expect(() => guard({ ...base(), forwardErrors: 'yes' as unknown as boolean })).toThrow(
      new TypeError('fapi-guard: option "forwardErrors" must be a boolean'),
    )
  })

  it('not an object → TypeError', () => {
    expect(() => guard(undefined as unknown as ExpressGuardOptions)).toThrow(TypeError)
    expect(() => guard('https://issuer.example' as unknown as ExpressGuardOptions)).toThrow(TypeError)
  })

  it('an existing Guard takes only adapter options', () => {
    const existing = createGuard(base())
    expect(() => guard(existing)).not.toThrow()
    expect(() => guard(existing, { forwardErrors: true })).not.toThrow()
    expect(() => guard(existing, { profile: 'oauth2' } as never)).toThrow(/"profile" is not an adapter option/)
    expect(() => guard(existing, { forwardErrors: 1 as unknown as boolean })).toThrow(/"forwardErrors" must be a boolean/)
  })

  it('guard(options) takes a single argument', () => {
    const untyped = guard as (...args: unknown[]) => unknown
    expect(() => untyped(base(), { forwardErrors: true })).toThrow(/takes one argument/)
  })
})

describe('passthrough option', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  it('is an adapter option, in the options or beside an existing guard', () => {
    expect(() => guard({ ...base(), passthrough: true })).not.toThrow()
    expect(() => guard(createGuard(base()), { passthrough: true, forwardErrors: true })).not.toThrow()
  })

  it('must be a boolean', () => {
    expect(() => guard({ ...base(), passthrough: 'yes' as unknown as boolean })).toThrow(new TypeError('fapi-guard: option "passthrough" must be a boolean'))
    expect(() => guard(createGuard(base()), { passthrough: 1 as unknown as boolean })).toThrow(/"passthrough" must be a boolean/)
  })
})

describe.each(expressVersions)('guard(existingGuard) on $name', ({ express }) => {
  it('uses the given core Guard', async () => {
    const existing = createGuard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', scopes: ['needed'] })
    const { app, route } = protectedApp(express, [guard(existing)])
    const server = await serve(app)
    try {
      const refused = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(refused.status).toBe(403)
      expect(refused.headers['www-authenticate']).toContain('scope="needed"')
      const allowed = await send(`${server.origin}/resource`, {
        headers: { authorization: `Bearer ${await issuer.mint({ scope: 'needed' })}` },
      })
      expect(allowed.status).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })
})
