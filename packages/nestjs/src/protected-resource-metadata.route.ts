import { Inject, Injectable, type HttpServer, type OnModuleInit } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import type { Guard } from '@fapi-guard/core'
import { FAPI_GUARD } from './tokens.js'

const METADATA_CACHE_CONTROL = 'public, max-age=3600'
/** Paths already served per HTTP platform instance: a module instantiated twice registers the route once. */
const served = new WeakMap<object, Set<string>>()

/**
 * Serves the RFC 9728 protected resource metadata (`guard.metadata()`) on `GET guard.metadataPath`
 * when the `resource` option is set. The route goes straight onto the HTTP platform (Express or
 * Fastify, through `HttpAdapterHost`) when the module initialises, so it sits at the exact path
 * RFC 9728 §3.1 derives from the resource identifier — outside any global prefix, guard or
 * interceptor: the document is public. Without an HTTP platform (an application context) it does nothing.
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
    const metadata = this.guard.metadata()
    adapter.get(path, (_request: unknown, response: unknown) => {
      adapter.setHeader(response, 'cache-control', METADATA_CACHE_CONTROL)
      adapter.reply(response, metadata, 200)
    })
  }
}
