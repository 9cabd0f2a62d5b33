import type { HTTPAnswer } from '../errors/answer-refusal.js'
import type { Guard } from '@fapi-guard/core'

/** The document is public and changes only with the configuration: shared caches may keep it an hour. */
const METADATA_CACHE_CONTROL = 'public, max-age=3600'
/** RFC 9728 §3.1 asks for GET; HEAD gives the same headers (RFC 9110 §9.3.2), the server drops the body. */
const METADATA_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

/** The request as `metadataResponse` reads it: a Fetch `Request` fits, or `{ method, url: req.originalUrl }`. */
export interface MetadataRequest {
  readonly method: string
  /** The target as received (`/path?query`) or an absolute URL; only its path is compared. */
  readonly url: string
}

function readPath(target: string): string | undefined {
  if (target.startsWith('/')) return target.replace(/[?#].*$/s, '')
  try {
    return new URL(target).pathname
  } catch {
    return undefined
  }
}

/**
 * The RFC 9728 protected resource metadata answer when `request` is a `GET` or `HEAD` of the guard's
 * `metadataPath` (compared exactly, query ignored): 200, `content-type: application/json`,
 * `cache-control: public, max-age=3600`, the document as JSON text. `undefined` for any other
 * request, or when the guard has no `resource` option: the adapter goes on to verify it. Serve it
 * before reading credentials: the document is public.
 */
export function metadataResponse(guard: Guard, request: MetadataRequest): HTTPAnswer | undefined {
  const path = guard.metadataPath
  if (path === undefined || !METADATA_METHODS.has(request.method) || readPath(request.url) !== path) return undefined
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': METADATA_CACHE_CONTROL },
    body: JSON.stringify(guard.metadata()),
  }
}
