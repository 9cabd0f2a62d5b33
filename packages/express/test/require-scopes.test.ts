import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, requireScopes } from '@fapi-guard/express'
import type { ErrorRequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { expressVersions } from './support/express-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

describe('requireScopes() arguments', () => {
  it('needs at least one scope', () => {
    expect(() => requireScopes()).toThrow(TypeError)
  })
  it.each([[''], ['two words'], ['quote"d'], [42 as unknown as string]])('refuses %j as a scope token at creation', (scope) => {
    expect(() => requireScopes(scope)).toThrow(/not a valid scope token/)
  })
})

// The answers (403 insufficient_scope with scope="…", 200 when granted) are the contract table's;
// here: how requireScopes() hands its refusal to Express, and what it does without guard().
describe.each(expressVersions)('requireScopes() on $name', ({ express }) => {
  const options = () => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const })

  it('honours the guard’s forwardErrors: the 403 goes to next(error)', async () => {
    const seen: unknown[] = []
    const capture: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
      seen.push(error)
      res.status(418).json({ forwarded: true })
    }
    const { app, route } = protectedApp(express, [guard({ ...options(), forwardErrors: true }), requireScopes('admin')], [capture])
    const server = await serve(app)
    try {
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'x' })}` } })
      expect(reply.status).toBe(418)
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatchObject({ name: 'GuardError', status: 403, code: 'ERR_INSUFFICIENT_SCOPE' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('without guard() before it → next(Error) describing the misconfiguration; the route never runs', async () => {
    const seen: unknown[] = []
    const capture: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
      seen.push(error)
      res.status(500).json({ error: 'server_error' })
    }
    const { app, route } = protectedApp(express, [requireScopes('accounts:read')], [capture])
    const server = await serve(app)
    try {
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(500)
      expect(seen[0]).toBeInstanceOf(Error)
      expect((seen[0] as Error).message).toMatch(/requireScopes\(\) ran without guard\(\)/)
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })
})
