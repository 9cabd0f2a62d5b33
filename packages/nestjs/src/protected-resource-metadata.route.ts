import { Inject, Injectable, type HttpServer, type OnModuleInit } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import type { Guard } from '@fapi-guard/core'
import { metadataResponse } from '@fapi-guard/core/adapter'
import { readNodeRequest } from './build-request-like.js'
import { FAPI_GUARD } from './tokens.js'
import { setResponseHeaders } from './set-response-headers.js'

/** Paths already served per HTTP platform instance: a module instantiated twice registers the route once. */
const served = new WeakMap<object, Set<string>>()

/**
 * Serves the RFC 9728 protected resource metadata on `GET` (and `HEAD`) `guard.metadataPath` when the
 * `resource` option is set, answered as the core's `metadataResponse` says. The route goes straight
 * onto the HTTP platform (Express or Fastify, through `HttpAdapterHost`) when the module initialises,
 * so it sits at the exact path RFC 9728 §3.1 derives from the resource identifier — outside any global
 * prefix, guard or interceptor: the document is public. Without an HTTP platform (an application context) it does nothing.
 */
@Injectable()
export class ProtectedResourceMetadataRoute implements OnModuleInit {
  constructor(
    @Inject(FAPI_GUARD) private readonly guard: Guard,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const path = this.guard.metadataPath
    const adapter = this.adapterHost.httpAdapter as HttpServer | undefined
    if (path === undefined || adapter === undefined || adapter === null) return
    const paths = served.get(adapter) ?? new Set<string>()
    if (paths.has(path)) return
    served.set(adapter, paths.add(path))
    adapter.get(path, (request: unknown, response: unknown) => {
      const raw = readNodeRequest(request)
      const target = typeof raw?.originalUrl === 'string' ? raw.originalUrl : (raw?.url ?? path)
      // The platform routed it here, GET or HEAD; the core has the last word (a loosely matched path is not it).
      const answer = metadataResponse(this.guard, { method: raw?.method ?? 'GET', url: target })
      if (answer === undefined) return adapter.reply(response, { error: 'not_found' }, 404)
      setResponseHeaders(adapter, response, answer.headers)
      return adapter.reply(response, answer.body, answer.status)
    })
  }
}
