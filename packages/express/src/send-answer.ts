import type { GuardError } from '@fapi-guard/core'
import { refusalResponse, type HTTPAnswer } from '@fapi-guard/core/adapter'
import type { NextFunction, Request, Response } from 'express'

/** Copies the core's answer (status, headers, body) onto the response; nothing is added or interpreted here. */
export function sendAnswer(res: Response, answer: HTTPAnswer): void {
  res.status(answer.status).set(answer.headers).send(answer.body)
}

// Requests whose guard() hands refusals to `next(error)` (`forwardErrors`): the adapter's own option,
// so the require*() after it answer the same way. A registered symbol: one set for the ESM and CommonJS builds.
const FORWARDING = Symbol.for('@fapi-guard/express:forwarding')
const forwarding = ((globalThis as Record<symbol, unknown>)[FORWARDING] ??= new WeakSet()) as WeakSet<Request>

/** Marks `req` as handled by a guard() with `forwardErrors: true`. */
export function forwardRefusals(req: Request): void {
  forwarding.add(req)
}

/** Sends the refusal (already carrying its guard's challenge), or hands it to Express's error handlers under `forwardErrors`. */
export function refuse(error: GuardError, req: Request, res: Response, next: NextFunction): void {
  if (forwarding.has(req)) next(error)
  else sendAnswer(res, refusalResponse(undefined, error))
}
