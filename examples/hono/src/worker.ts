// The example as a Cloudflare Worker (module syntax): its guard options as JSON in the FAPI_GUARD_OPTIONS
// binding. Bundled with core's Web Crypto build (no `node` condition on workerd). The guard, and so its
// in-memory DPoP replay store, lives as long as the isolate: see @fapi-guard/hono's README for a shared store.
import type { Hono } from 'hono'
import { createApp } from './app.js'

interface Env {
  readonly FAPI_GUARD_OPTIONS: string
}

let app: Hono | undefined

export default {
  fetch(request: Request, env: Env, context: unknown): Response | Promise<Response> {
    app ??= createApp(JSON.parse(env.FAPI_GUARD_OPTIONS))
    return app.fetch(request, env, context as never)
  },
}
