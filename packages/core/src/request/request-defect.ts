import type { RequestLike } from '../types.js'

/**
 * Where a request builder (`requestFromNode`) records why the request it read is malformed — more than
 * one `Host`, a `Host` that is not a valid authority, a target in neither origin- nor absolute-form —
 * so that the guard refuses it (400) in its first step, with the audit event and interaction id every
 * refusal has, instead of the builder throwing before the guard runs. A registered symbol, so the ESM
 * and CommonJS builds share it.
 */
export const REQUEST_DEFECT: unique symbol = Symbol.for('@fapi-guard/core.request-defect') as never

/** A request as a builder made it, perhaps marked malformed. */
export type ReadRequest = RequestLike & { readonly [REQUEST_DEFECT]?: string }

/** The reason a builder found the request malformed, if it did. */
export function readRequestDefect(request: RequestLike): string | undefined {
  const defect = (request as ReadRequest)[REQUEST_DEFECT]
  return typeof defect === 'string' ? defect : undefined
}
