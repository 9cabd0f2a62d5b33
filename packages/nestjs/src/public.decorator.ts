import { SetMetadata } from '@nestjs/common'
import { FAPI_PUBLIC_KEY } from './tokens.js'

/**
 * Marks a route (method) or every route of a controller (class) as open: `FapiAuthGuard` lets the
 * request through without reading its credentials, and `@Auth()` gives `undefined` there. For
 * health checks and metadata endpoints under a global guard (`APP_GUARD`).
 */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(FAPI_PUBLIC_KEY, true)
}
