/** The HTTP server configurations bench/http-server.ts can start. */
export const CONFIGS = [
  'express-none',
  'express-fapi',
  'express-auth0',
  'express-jwt',
  'fastify-none',
  'fastify-fapi',
  'fastify-jwt',
  'koa-none',
  'koa-fapi',
  'hono-none',
  'hono-fapi',
  // Experiments on the Express adapter (bench/http.ts group express-adapter, not run by default):
  'express-async',
] as const
export type ServerConfig = (typeof CONFIGS)[number]
