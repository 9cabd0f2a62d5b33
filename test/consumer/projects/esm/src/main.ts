// An ESM TypeScript consumer (module: nodenext): imports every package by its public name, runs a
// guarded Express route against the test issuer, and checks that Node gets core's Node build.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import 'reflect-metadata'
import { createGuard, ERROR_TABLE, GuardError, isGuardError, type AuthContext, type GuardOptions } from '@fapi-guard/core'
import { refusalResponse } from '@fapi-guard/core/adapter'
import { fromApiGatewayEvent, toApiGatewayResult } from '@fapi-guard/core/aws'
import { describeDecision, logDecisions, type DecisionEvent } from '@fapi-guard/core/observability'
import { guard, requireScopes } from '@fapi-guard/express'
import fapiGuard from '@fapi-guard/fastify'
import { guard as koaGuard } from '@fapi-guard/koa'
import { fapiGuard as honoGuard, requireScopes as honoScopes } from '@fapi-guard/hono'
import { createTokenVerifier } from '@fapi-guard/mcp'
import { Hono } from 'hono'
import { FapiAuthGuard, FapiGuardModule, Scopes } from '@fapi-guard/nestjs'
import { createRedisReplayStore, type RedisReplayStoreOptions } from '@fapi-guard/redis'
import { createTestIssuer } from '@fapi-guard/testing'
import express from 'express'

const resolved = import.meta.resolve('@fapi-guard/core')
assert.match(resolved, /\/@fapi-guard\/core\/dist\/node\/index\.js$/, `the node condition picks the Node build: ${resolved}`)
const adapterEntry = import.meta.resolve('@fapi-guard/core/adapter')
assert.match(adapterEntry, /\/@fapi-guard\/core\/dist\/node\/adapter\.js$/, `the adapter subpath has a Node build too: ${adapterEntry}`)
for (const value of [koaGuard, fapiGuard, FapiGuardModule.forRoot, FapiAuthGuard, Scopes, createRedisReplayStore]) {
  assert.equal(typeof value, 'function')
}
const redisOptions: Partial<RedisReplayStoreOptions> = {}
assert.ok(redisOptions)
assert.equal(ERROR_TABLE.ERR_INSUFFICIENT_SCOPE.status, 403)

const issuer = await createTestIssuer()
const options: GuardOptions = { issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' }

// The core API, straight.
const core = createGuard(options)
const refusal = await core.verify({ method: 'GET', url: 'https://api.example.test/x', headers: {} }).catch((error: unknown) => error)
assert.ok(isGuardError(refusal) && refusal instanceof GuardError)
assert.equal(refusal.status, 401)
assert.equal(refusalResponse(core, refusal).headers['cache-control'], 'no-store')
// The /aws and /observability subpaths, from the tarball: a refusal from verify fits toApiGatewayResult.
assert.equal(toApiGatewayResult(refusal).statusCode, 401)
assert.equal(fromApiGatewayEvent({ httpMethod: 'GET', path: '/x', headers: { host: 'api.example.test' } }).url, 'https://api.example.test/x')
const decision: DecisionEvent = { outcome: 'refused', checks: [], durationMicros: 1 }
assert.match(describeDecision(decision), /^refused/)
assert.equal(typeof logDecisions({ info() {}, warn() {} }), 'function')

// A guarded Express route.
const app = express()
app.get('/accounts', guard(options), requireScopes('accounts:read'), (req, res) => {
  const auth: AuthContext | undefined = req.auth
  res.json({ owner: auth?.subject })
})
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/accounts`
try {
  const token = await issuer.mintAccessToken({ sub: 'alice', scope: 'accounts:read' })
  const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.status, 200)
  assert.deepEqual(await ok.json(), { owner: 'alice' })
  const none = await fetch(url)
  assert.equal(none.status, 401)
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/)
  assert.equal(none.headers.get('cache-control'), 'no-store')
  const narrow = await issuer.mintAccessToken({ sub: 'alice', scope: 'profile' })
  const forbidden = await fetch(url, { headers: { authorization: `Bearer ${narrow}` } })
  assert.equal(forbidden.status, 403)

  // Hono, from its tarball: c.get('auth') typed through the middleware chain.
  const honoApp = new Hono().use(honoGuard(options)).get('/accounts', honoScopes('accounts:read'), (c) => c.json({ owner: c.get('auth').subject }))
  const honoOk = await honoApp.request('https://api.example.test/accounts', { headers: { authorization: `Bearer ${token}` } })
  assert.equal(honoOk.status, 200)
  assert.deepEqual(await honoOk.json(), { owner: 'alice' })
  const honoForbidden = await honoApp.request('https://api.example.test/accounts', { headers: { authorization: `Bearer ${narrow}` } })
  assert.equal(honoForbidden.status, 403)
  assert.equal(honoForbidden.headers.get('cache-control'), 'no-store')

  // The MCP token verifier, from its tarball: the SDK's AuthInfo for an unbound token of this audience.
  const verifier = createTokenVerifier({ issuer: issuer.issuer, resource: 'https://mcp.example.test/mcp', audience: issuer.audience })
  const info = await verifier.verifyAccessToken(token)
  assert.deepEqual(info.scopes, ['accounts:read'])
  assert.equal(typeof info.expiresAt, 'number')
} finally {
  server.close()
  await issuer.close()
}
console.log(`esm ok on ${process.version}`)
