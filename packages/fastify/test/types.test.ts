import fapiGuard from '@fapi-guard/fastify'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'

describe('types', () => {
  it('authenticate and requireScopes fit typed routes; config.scopes is typed', async () => {
    const app = Fastify()
    await app.register(fapiGuard, { issuer: 'https://as.example.test', audience: 'https://api.example.test', profile: 'oauth2' })
    app.get<{ Querystring: { page: string }; Params: { id: string } }>(
      '/accounts/:id',
      { onRequest: [app.authenticate, app.requireScopes('accounts:read')], config: { scopes: ['openid'] } },
      async (request) => ({ id: request.params.id, page: request.query.page, subject: request.auth?.subject ?? null }),
    )
    // @ts-expect-error config.scopes is a list of strings (and refused at run time too)
    expect(() => app.get('/bad', { config: { scopes: 'accounts:read' } }, async () => 'never')).toThrow(TypeError)
    await app.ready()
    expect(app.hasRoute({ method: 'GET', url: '/accounts/:id' })).toBe(true)
    await app.close()
  })
})
