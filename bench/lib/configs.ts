/** The HTTP server configurations bench/http-server.ts can start. */
export const CONFIGS = [
  'express-none',
  'express-floor',
  'express-fapi',
  'express-auth0',
  'express-jwt',
  'fastify-none',
  'fastify-floor',
  'fastify-fapi',
  'fastify-jwt',
  'koa-none',
  'koa-floor',
  'koa-fapi',
  'hono-none',
  'hono-floor',
  'hono-fapi',
  // Experiments on the Express adapter (bench/http.ts group express-adapter, not run by default):
  'express-async',
  // fapi-guard with offloadSignatures false and true (the groups <framework>-<mode>-offload):
  'express-fapi-sync',
  'express-fapi-pool',
  'fastify-fapi-sync',
  'fastify-fapi-pool',
  'koa-fapi-sync',
  'koa-fapi-pool',
  'hono-fapi-sync',
  'hono-fapi-pool',
] as const
export type ServerConfig = (typeof CONFIGS)[number]
