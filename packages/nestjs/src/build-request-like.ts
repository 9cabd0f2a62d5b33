import { requestFromNode, type RequestLike } from '@fapi-guard/core'
import type { IncomingMessage } from 'node:http'

/** Node's request, with the original target Express (`originalUrl`) or Fastify's `rewriteUrl` keeps. */
type NodeRequest = IncomingMessage & { originalUrl?: unknown }

function isNodeRequest(value: unknown): value is NodeRequest {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<IncomingMessage>
  return typeof candidate.socket === 'object' && candidate.socket !== null && typeof candidate.headers === 'object'
}

/**
 * The Node request behind a Nest HTTP request: on platform-fastify the Fastify request wraps it in
 * `raw`; on platform-express the request is Node's own (Express extends it).
 */
export function readNodeRequest(request: unknown): NodeRequest | undefined {
  const raw = typeof request === 'object' && request !== null ? (request as { raw?: unknown }).raw : undefined
  if (isNodeRequest(raw)) return raw
  return isNodeRequest(request) ? request : undefined
}

/**
 * Builds the core `RequestLike` of a Nest HTTP request with the core's `requestFromNode`: the URL as
 * the client addressed it (the target as received, before Express mounting or Fastify `rewriteUrl`
 * changed `url`), every header occurrence apart (so repeated `Authorization` / `DPoP` fields are refused), the
 * peer address and, on TLS, the client certificate. Forwarded headers are believed only by the
 * core, from peers in `proxy.trusted`; neither Express's `trust proxy` nor Fastify's `trustProxy` counts.
 */
export function buildRequestLike(request: unknown): RequestLike {
  const raw = readNodeRequest(request)
  if (raw === undefined) {
    throw new TypeError('fapi-guard: FapiAuthGuard got no Node request; override getRequest() for this transport')
  }
  const target = typeof raw.originalUrl === 'string' ? raw.originalUrl : raw.url
  return requestFromNode(raw, target)
}
