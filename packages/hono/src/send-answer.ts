import type { HTTPAnswer } from '@fapi-guard/core/adapter'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * The core's answer (status, headers, body) as the response of `c`, through `c.body` so headers other
 * middleware set on the context are kept; nothing is added or interpreted here.
 */
export function sendAnswer(c: Context, answer: HTTPAnswer): Response {
  return c.body(answer.body, answer.status as ContentfulStatusCode, answer.headers)
}
