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

describe.each(expressVersions)('requireScopes() on $name', ({ express }) => {
  const options = () => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const })

  it('all scopes granted → 200', async () => {
    const { app, route } = protectedApp(express, [guard(options()), requireScopes('accounts:read', 'openid')])
    const server = await serve(app)
    try {
      const token = await issuer.mint({ scope: 'openid accounts:read payments' })
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(200)
      expect(route.count).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('a missing scope → 403 insufficient_scope with scope="…" in the challenge', async () => {
    const { app, route } = protectedApp(express, [guard(options()), requireScopes('accounts:read', 'accounts:write')])
    const server = await serve(app)
    try {
      const token = await issuer.mint({ scope: 'accounts:read' })
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(403)
      const challenge = reply.headers['www-authenticate']
      expect(challenge).toContain('error="insufficient_scope"')
      expect(challenge).toContain('scope="accounts:read accounts:write"')
      expect(reply.json()).toMatchObject({ error: 'insufficient_scope' })
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })

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
