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

// DPoP (RFC 9449) through the Nest adapter, default `fapi2` profile: the proof's `htu` is checked
// against the URL built from the Node request, replays are refused, and the nonce the core hands
// back (on refusal and on success) reaches the client as `DPoP-Nonce`.

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

  it('the same proof again → 401 invalid_dpop_proof in the DPoP challenge', async () => {
    const url = `${server.origin}/resource`
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const headers = await dpopHeaders(url, token)
    expect((await send(url, { headers })).status).toBe(200)
    const before = counter.count
    const replay = await send(url, { headers })
    expect(replay.status).toBe(401)
    expect(replay.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    expect(replay.headers['www-authenticate']).toMatch(/DPoP error="invalid_dpop_proof"/)
    expect(counter.count).toBe(before)
  })

  it('a proof for another URL → 401 invalid_dpop_proof', async () => {
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const reply = await send(`${server.origin}/resource`, { headers: await dpopHeaders(`${server.origin}/accounts`, token) })
    expect(reply.status).toBe(401)
    expect(reply.json()).toMatchObject({ error: 'invalid_dpop_proof' })
  })

  it('an unbound bearer token under fapi2 → 401 invalid_token', async () => {
    const token = await issuer.mint({})
    const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${token}` } })
    expect(reply.status).toBe(401)
    expect(reply.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('two DPoP headers → 400', async () => {
    const url = `${server.origin}/resource`
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const { authorization, dpop } = await dpopHeaders(url, token)
    const reply = await send(url, { headers: { authorization, dpop: [dpop, dpop] } })
    expect(reply.status).toBe(400)
    expect(reply.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('server nonces: 401 use_dpop_nonce with DPoP-Nonce, retry with it → 200, a renewed nonce on success', async () => {
    const STEP = 60_000
    let now = Math.floor(Date.now() / STEP) * STEP + 1_000 // at the start of a nonce time step
    const options: GuardOptions = {
      issuer: issuer.issuer,
      audience: issuer.audience,
      clock: () => now,
      dpop: { nonce: { secret: 's'.repeat(32), lifetime: STEP / 1000 } },
    }
    const counted: RouteCounter = { count: 0 }
    const nonced = await start(platform, testModule(options, 'global', counted))
    try {
      const url = `${nonced.origin}/resource`
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } }, { now: Math.floor(now / 1000), expiresIn: 3600 })
      const iat = () => Math.floor(now / 1000)

      const first = await send(url, { headers: await dpopHeaders(url, token, { iat: iat() }) })
      expect(first.status).toBe(401)
      expect(first.json()).toMatchObject({ error: 'use_dpop_nonce' })
      expect(first.headers['www-authenticate']).toMatch(/DPoP error="use_dpop_nonce"/)
      const nonce = first.headers['dpop-nonce']
      expect(nonce).toEqual(expect.any(String))
      expect(counted.count).toBe(0)

      const second = await send(url, { headers: await dpopHeaders(url, token, { nonce: nonce as string, iat: iat() }) })
      expect(second.status).toBe(200)
      expect(second.headers['dpop-nonce']).toBeUndefined()

      now += STEP + 10_000 // the next time step: the nonce still counts, and a new one comes with the answer
      const third = await send(url, { headers: await dpopHeaders(url, token, { nonce: nonce as string, iat: iat() }) })
      expect(third.status).toBe(200)
      expect(third.headers['dpop-nonce']).toEqual(expect.any(String))
      expect(third.headers['dpop-nonce']).not.toBe(nonce)
      expect(counted.count).toBe(2)
    } finally {
      await nonced.close()
    }
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
