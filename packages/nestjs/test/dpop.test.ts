import { Controller, Get, Module } from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { Auth, FapiAuthGuard, FapiGuardModule, type AuthContext, type GuardOptions } from '@fapi-guard/nestjs'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testModule, type RouteCounter } from './support/apps.js'
import { send } from './support/http.js'
import { platforms, start, type Running } from './support/platforms.js'

// DPoP (RFC 9449) through the Nest adapter: the proof's `htu` is checked against the URL the client
// addressed (query, global prefix, Fastify's rewriteUrl). Proof checks, replay and server nonces are
// the contract table's (test/contract/cases.ts), run through both platforms.

let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey('ES256')
})
afterAll(() => issuer.close())

const dpopHeaders = async (url: string, token: string, extra: { nonce?: string; iat?: number } = {}) => ({
  authorization: `DPoP ${token}`,
  dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token, ...extra }),
})

describe.each(platforms)('DPoP-bound tokens on $name', (platform) => {
  let server: Running
  const counter: RouteCounter = { count: 0 }
  beforeAll(async () => {
    server = await start(platform, testModule({ issuer: issuer.issuer, audience: issuer.audience }, 'global', counter))
  })
  afterAll(() => server.close())

  it('a valid proof for the URL as addressed (with its query) → 200, bound to the key', async () => {
    const url = `${server.origin}/resource?page=2`
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const reply = await send(url, { headers: await dpopHeaders(url, token) })
    expect(reply.status).toBe(200)
    expect(reply.json()).toMatchObject({ binding: { dpop: { jkt: key.thumbprint } } })
  })

  it('with a global prefix, the proof is checked against the full path the client addressed', async () => {
    const app = await platform.create(testModule({ issuer: issuer.issuer, audience: issuer.audience }, 'global'))
    app.setGlobalPrefix('api')
    await app.listen(0, '127.0.0.1')
    try {
      const { port } = (app.getHttpServer() as { address(): AddressInfo }).address()
      const url = `http://127.0.0.1:${port}/api/resource?x=1`
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      expect((await send(url, { headers: await dpopHeaders(url, token) })).status).toBe(200)
      const wrong = await send(url, { headers: await dpopHeaders(`http://127.0.0.1:${port}/resource`, token) })
      expect(wrong.status).toBe(401)
    } finally {
      await app.close()
    }
  })
})

describe('platform-fastify with rewriteUrl', () => {
  @Controller('v2')
  class RewrittenController {
    @Get('resource')
    read(@Auth('binding') binding: AuthContext['binding']) {
      return { binding }
    }
  }

  it('the proof names the URL the client sent, not the rewritten one (request.originalUrl)', async () => {
    @Module({
      imports: [FapiGuardModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience })],
      controllers: [RewrittenController],
      providers: [{ provide: APP_GUARD, useClass: FapiAuthGuard }],
    })
    class AppModule {}

    const adapter = new FastifyAdapter({ rewriteUrl: (request: IncomingMessage) => (request.url ?? '/').replace(/^\/v1\//, '/v2/') })
    const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false })
    await app.listen(0, '127.0.0.1')
    try {
      const { port } = (app.getHttpServer() as { address(): AddressInfo }).address()
      const url = `http://127.0.0.1:${port}/v1/resource`
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const reply = await send(url, { headers: await dpopHeaders(url, token) })
      expect(reply.status).toBe(200)
      expect(reply.json()).toEqual({ binding: { dpop: { jkt: key.thumbprint } } })
      const rewritten = await send(url, { headers: await dpopHeaders(`http://127.0.0.1:${port}/v2/resource`, token) })
      expect(rewritten.status).toBe(401)
    } finally {
      await app.close()
    }
  })
})
