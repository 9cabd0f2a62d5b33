import type { HttpServer } from '@nestjs/common'

/** Sets each header on the platform's response object (Express `res.set`, Fastify `reply.header`). */
export function setResponseHeaders(adapter: HttpServer, response: unknown, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value)
}
