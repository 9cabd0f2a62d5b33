/**
 * One HTTP server for bench/http.ts and bench/memory.ts, in its own process (the load generator must
 * not share its event loop). `node --import tsx --import ./bench/lib/sources.mjs bench/http-server.ts
 * <config>`, with BENCH_SERVER holding `{ issuer, audience, jwksUri, pem }` as JSON. It listens on
 * 127.0.0.1 (a free port) and sends `{ port }` over IPC; on `{ type: 'memory' }` it answers with
 * `process.memoryUsage()` after a full GC (when started with --expose-gc), on `{ type: 'cpu' }` with
 * `process.cpuUsage()`.
 *
 * Every server answers `GET /accounts` with `{"ok":true}`; the protected ones only after their
 * middleware accepted the access token (and, for DPoP-bound tokens, the proof).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

import { CONFIGS, type ServerConfig } from './lib/configs.js'

interface Settings {
  readonly issuer: string
  readonly audience: string
  readonly jwksUri: string
  readonly pem: string
  /** Replay-store capacity for fapi-guard (memory run); default: the library's. */
  readonly replayCapacity?: number
}

const BODY = { ok: true }
/**
 * Experiments, not defaults: BENCH_TOKEN_CACHE=off (fapi-guard without its verified-token cache),
 * BENCH_OFFLOAD=true|false|auto (`offloadSignatures` of every fapi-guard server). The configurations
 * `<framework>-fapi-sync` and `<framework>-fapi-pool` are `<framework>-fapi` with `offloadSignatures`
 * `false` and `true`, so one run can compare them.
 */
const VARIANT = /-fapi-(sync|pool)$/.exec(process.argv[2] ?? '')?.[1]
const OFFLOAD = VARIANT === 'sync' ? 'false' : VARIANT === 'pool' ? 'true' : process.env.BENCH_OFFLOAD
const CORE_EXTRA = {
  ...(process.env.BENCH_TOKEN_CACHE === 'off' && { tokenCache: false as const }),
  ...(OFFLOAD !== undefined && { offloadSignatures: OFFLOAD === 'auto' ? ('auto' as const) : OFFLOAD === 'true' }),
}

/**
 * The `*-floor` servers: the work a request cannot avoid and nothing else, written by hand. A Bearer
 * request: one ES256 `crypto.verify` of the access token with the issuer's key imported at start. A
 * DPoP request (a `DPoP` header): one verify of the proof with its header's key (imported once per
 * distinct header, as a cache would), and the SHA-256 hashes of the access token (`ath`) and of the
 * key's thumbprint input. No parsing of claims, no checks of them, no replay store: a floor, not a
 * guard. The answer is whether the signature verified.
 */
function floorCheck(pem: string): (authorization: string | undefined, proof: string | undefined) => boolean {
  const issuerKey = { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' as const }
  const proofKeys = new Map<string, { key: KeyObject; dsaEncoding: 'ieee-p1363'; thumbprintInput: string }>()
  const verifyJWS = (jws: string, key: { key: KeyObject; dsaEncoding: 'ieee-p1363' }) => {
    const dot = jws.lastIndexOf('.')
    return dot > 0 && verify('sha256', Buffer.from(jws.slice(0, dot), 'latin1'), key, Buffer.from(jws.slice(dot + 1), 'base64url'))
  }
  return (authorization, proof) => {
    const space = authorization?.indexOf(' ') ?? -1
    if (authorization === undefined || space < 0) return false
    const token = authorization.slice(space + 1)
    if (proof === undefined) return verifyJWS(token, issuerKey)
    const header = proof.slice(0, proof.indexOf('.'))
    let key = proofKeys.get(header)
    if (key === undefined) {
      const jwk = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { jwk: { kty: string; crv: string; x: string; y: string } }).jwk
      key = { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363', thumbprintInput: JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }) }
      proofKeys.set(header, key)
    }
    createHash('sha256').update(token).digest('base64url')
    createHash('sha256').update(key.thumbprintInput).digest('base64url')
    return verifyJWS(proof, key)
  }
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)

async function express(config: ServerConfig, settings: Settings): Promise<Server> {
  const { default: createApp } = await import('express')
  const app = createApp()
  app.disable('x-powered-by')
  app.disable('etag')
  if (config === 'express-fapi') {
    const { guard } = await import('@fapi-guard/express')
    const { createMemoryReplayStore } = await import('@fapi-guard/core')
    app.use(
      guard({
        issuer: settings.issuer,
        audience: settings.audience,
        jwksUri: settings.jwksUri,
        profile: 'oauth2',
        ...CORE_EXTRA,
        ...(settings.replayCapacity !== undefined && { dpop: { replayStore: createMemoryReplayStore({ capacity: settings.replayCapacity }) } }),
      }),
    )
  } else if (config === 'express-floor') {
    const check = floorCheck(settings.pem)
    app.use((req, res, next) => {
      if (check(req.headers.authorization, one(req.headers.dpop))) next()
      else res.status(401).end()
    })
  } else if (config === 'express-async') {
    // The cost of an async hop alone: a middleware that awaits nothing, then calls next().
    app.use((_req, _res, next) => {
      Promise.resolve().then(() => next(), next)
    })
  } else if (config === 'express-auth0') {
    const { auth } = await import('express-oauth2-jwt-bearer')
    // DPoP is on by default in express-oauth2-jwt-bearer ≥ 1.7 (Bearer and DPoP both accepted).
    app.use(auth({ issuer: settings.issuer, audience: settings.audience, jwksUri: settings.jwksUri, tokenSigningAlg: 'ES256', dpop: { enabled: true } }))
  } else if (config === 'express-jwt') {
    const { expressjwt } = await import('express-jwt')
    const jwksRsa = await import('jwks-rsa')
    app.use(
      expressjwt({
        secret: jwksRsa.expressJwtSecret({ jwksUri: settings.jwksUri, cache: true, rateLimit: false }) as never,
        audience: settings.audience,
        issuer: settings.issuer,
        algorithms: ['ES256'],
      }),
    )
  }
  app.get('/accounts', (_req, res) => {
    res.json(BODY)
  })
  app.use((error: { status?: number; statusCode?: number }, _req: unknown, res: import('express').Response, _next: unknown) => {
    res.status(error.status ?? error.statusCode ?? 500).json({ error: 'refused' })
  })
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

async function fastify(config: ServerConfig, settings: Settings): Promise<Server> {
  const { default: createApp } = await import('fastify')
  const app = createApp({ logger: false })
  if (config === 'fastify-fapi') {
    const { fapiGuard } = await import('@fapi-guard/fastify')
    await app.register(fapiGuard, { issuer: settings.issuer, audience: settings.audience, jwksUri: settings.jwksUri, profile: 'oauth2', ...CORE_EXTRA })
    app.get('/accounts', { onRequest: app.authenticate }, async () => BODY)
  } else if (config === 'fastify-floor') {
    const check = floorCheck(settings.pem)
    app.get('/accounts', {
      onRequest: async (request, reply) => {
        if (!check(request.headers.authorization, one(request.headers.dpop))) await reply.code(401).send()
      },
    }, async () => BODY)
  } else if (config === 'fastify-jwt') {
    const { default: jwt } = await import('@fastify/jwt')
    // @fastify/jwt has no JWKS option (that takes get-jwks); it verifies with the same key given as PEM.
    await app.register(jwt, { secret: { public: settings.pem }, verify: { algorithms: ['ES256'], allowedIss: settings.issuer, allowedAud: settings.audience } })
    app.get('/accounts', {
      onRequest: async (request) => {
        await request.jwtVerify()
      },
    }, async () => BODY)
  } else {
    app.get('/accounts', async () => BODY)
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server
}

async function koa(config: ServerConfig, settings: Settings): Promise<Server> {
  const { default: Koa } = await import('koa')
  const app = new Koa()
  if (config === 'koa-fapi') {
    const { guard } = await import('@fapi-guard/koa')
    app.use(guard({ issuer: settings.issuer, audience: settings.audience, jwksUri: settings.jwksUri, profile: 'oauth2', ...CORE_EXTRA }))
  } else if (config === 'koa-floor') {
    const check = floorCheck(settings.pem)
    app.use(async (ctx, next) => {
      if (check(ctx.get('authorization') || undefined, ctx.get('dpop') || undefined)) await next()
      else ctx.status = 401
    })
  }
  app.use(async (ctx) => {
    if (ctx.path === '/accounts') ctx.body = BODY
  })
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

async function hono(config: ServerConfig, settings: Settings): Promise<Server> {
  const { Hono } = await import('hono')
  const { serve } = await import('@hono/node-server')
  const app = new Hono()
  if (config === 'hono-fapi') {
    const { fapiGuard } = await import('@fapi-guard/hono')
    app.use(fapiGuard({ issuer: settings.issuer, audience: settings.audience, jwksUri: settings.jwksUri, profile: 'oauth2', ...CORE_EXTRA }))
  } else if (config === 'hono-floor') {
    const check = floorCheck(settings.pem)
    app.use(async (c, next) => {
      if (!check(c.req.header('authorization'), c.req.header('dpop'))) return c.body(null, 401)
      await next()
    })
  }
  app.get('/accounts', (c) => c.json(BODY))
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server as Server))
  })
}

async function main(): Promise<void> {
  const named = process.argv[2] as ServerConfig
  if (!CONFIGS.includes(named)) throw new Error(`unknown server config ${named}`)
  const config = named.replace(/-(sync|pool)$/, '') as ServerConfig
  const settings = JSON.parse(process.env.BENCH_SERVER ?? '{}') as Settings
  const server = config.startsWith('express')
    ? await express(config, settings)
    : config.startsWith('fastify')
      ? await fastify(config, settings)
      : config.startsWith('hono')
        ? await hono(config, settings)
        : await koa(config, settings)
  server.keepAliveTimeout = 60_000
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'cpu') {
      process.send?.({ type: 'cpu', usage: process.cpuUsage() })
      return
    }
    if (message?.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc
      if (gc !== undefined) {
        gc()
        gc()
      }
      process.send?.({ type: 'memory', usage: process.memoryUsage(), gc: gc !== undefined })
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
