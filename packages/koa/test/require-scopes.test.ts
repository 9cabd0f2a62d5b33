import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { requireScopes } from '@fapi-guard/koa'
import type { Middleware } from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { koaVersions } from './support/koa-versions.js'
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

// The answers (403 insufficient_scope with scope="…", 200 when granted) are the contract table's.
describe.each(koaVersions)('requireScopes() on $name', ({ Koa }) => {
  async function start(chain: Middleware[], before: Middleware[] = []) {
    const { app, route } = protectedApp(Koa, chain, before)
    app.silent = true
    const server = await serve(app.callback())
    return { route, server, url: `${server.origin}/resource` }
  }

  it('without guard() before it → an Error (Koa answers 500); the route never runs', async () => {
    const seen: unknown[] = []
    const catcher: Middleware = async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        seen.push(error)
        ctx.status = 500
        ctx.body = { error: 'server_error' }
      }
    }
    const { route, server, url } = await start([requireScopes('accounts:read')], [catcher])
    try {
      const reply = await send(url, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(500)
      expect((seen[0] as Error).message).toMatch(/requireScopes\(\) ran without guard\(\)/)
      expect(route.count).toBe(0)
    } finally {
      await server.close()
    }
  })
})
