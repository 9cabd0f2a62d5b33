// A CommonJS TypeScript consumer (module: nodenext, .cts → require): requires every package, runs a
// guarded Express route against the test issuer, and checks that Node gets core's Node build.
// With `--without-require-esm` (run under `node --no-experimental-require-module`, as Node before
// 20.19 and 22.12 behaves and as Jest does) nothing may need require(esm); @fapi-guard/nestjs is left
// out there, as Nest 12 itself is ESM-only.
import assert = require('node:assert/strict')
import type { AddressInfo } from 'node:net'
import core = require('@fapi-guard/core')
import coreAdapter = require('@fapi-guard/core/adapter')
import coreAws = require('@fapi-guard/core/aws')
import coreObservability = require('@fapi-guard/core/observability')
import expressAdapter = require('@fapi-guard/express')
import fastifyAdapter = require('@fapi-guard/fastify')
import koaAdapter = require('@fapi-guard/koa')
import honoAdapter = require('@fapi-guard/hono')
import mcp = require('@fapi-guard/mcp')
import hono = require('hono')
import redis = require('@fapi-guard/redis')
import testing = require('@fapi-guard/testing')
import express = require('express')

const withoutRequireESM = process.argv.includes('--without-require-esm')

async function main(): Promise<void> {
  const resolved = require.resolve('@fapi-guard/core')
  assert.match(resolved, /[\\/]@fapi-guard[\\/]core[\\/]dist[\\/]node[\\/]index\.cjs$/, `the node condition picks the Node build: ${resolved}`)
  const adapterEntry = require.resolve('@fapi-guard/core/adapter')
  assert.match(adapterEntry, /[\\/]@fapi-guard[\\/]core[\\/]dist[\\/]node[\\/]adapter\.cjs$/, `the adapter subpath has a Node build too: ${adapterEntry}`)
  assert.equal(typeof fastifyAdapter.default, 'function')
  assert.equal(typeof coreAws.fromApiGatewayEvent, 'function')
  assert.match(coreObservability.describeDecision({ outcome: 'accepted', checks: ['credentials'], durationMicros: 1 }), /^accepted/)
  assert.equal(typeof koaAdapter.guard, 'function')
  assert.equal(typeof redis.createRedisReplayStore, 'function')
  if (!withoutRequireESM) {
    require('reflect-metadata')
    const nest = require('@fapi-guard/nestjs') as typeof import('@fapi-guard/nestjs')
    assert.equal(typeof nest.FapiGuardModule.forRoot, 'function')
  }

  const issuer = await testing.createTestIssuer()
  const options: core.GuardOptions = { issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' }
  const refusal = await core.createGuard(options).verify({ method: 'GET', url: 'https://api.example.test/x', headers: {} }).catch((error: unknown) => error)
  assert.ok(core.isGuardError(refusal) && refusal instanceof core.GuardError)
  assert.equal(coreAdapter.refusalResponse(core.createGuard(options), refusal).headers['cache-control'], 'no-store')
  assert.equal(coreAws.toApiGatewayResult(refusal).statusCode, 401)

  const app = express()
  app.get('/accounts', expressAdapter.guard(options), expressAdapter.requireScopes('accounts:read'), (req, res) => {
    res.json({ owner: req.auth?.subject })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/accounts`
  try {
    const token = await issuer.mintAccessToken({ sub: 'bob', scope: 'accounts:read' })
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(ok.status, 200)
    assert.deepEqual(await ok.json(), { owner: 'bob' })
    const none = await fetch(url)
    assert.equal(none.status, 401)
    assert.equal(none.headers.get('cache-control'), 'no-store')
    // requireScopes() (node/adapter.cjs) authorizes with the guard that guard() (node/index.cjs) ran: the two bundles share it.
    const narrow = await issuer.mintAccessToken({ sub: 'bob', scope: 'profile' })
    const forbidden = await fetch(url, { headers: { authorization: `Bearer ${narrow}` } })
    assert.equal(forbidden.status, 403)

    // Hono and the MCP verifier through require(): their CommonJS builds, the SDK's CommonJS build.
    const honoApp = new hono.Hono().use(honoAdapter.fapiGuard(options)).get('/accounts', honoAdapter.requireScopes('accounts:read'), (c) => c.json({ owner: c.get('auth').subject }))
    const honoOk = await honoApp.request('https://api.example.test/accounts', { headers: { authorization: `Bearer ${token}` } })
    assert.equal(honoOk.status, 200)
    assert.equal((await honoApp.request('https://api.example.test/accounts', { headers: { authorization: `Bearer ${narrow}` } })).status, 403)
    const verifier = mcp.createTokenVerifier({ issuer: issuer.issuer, resource: 'https://mcp.example.test/mcp', audience: issuer.audience })
    assert.deepEqual((await verifier.verifyAccessToken(token)).scopes, ['accounts:read'])
    await assert.rejects(verifier.verifyAccessToken(narrow.slice(0, -4)), { name: 'InvalidTokenError' })
  } finally {
    server.close()
    await issuer.close()
  }
  console.log(`cjs ok on ${process.version}${withoutRequireESM ? ' without require(esm)' : ''}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
