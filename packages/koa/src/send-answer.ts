import type { HTTPAnswer } from '@fapi-guard/core/adapter'
import type { Context } from 'koa'

/** Copies the core's answer (status, headers, body) onto the context; nothing is added or interpreted here. */
export function sendAnswer(ctx: Context, answer: HTTPAnswer): void {
  ctx.status = answer.status
  ctx.set(answer.headers)
  ctx.body = answer.body
}
