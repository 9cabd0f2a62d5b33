import type { AuthContext, RequestLike } from '../types.js'
import { readHeaderValues } from './read-headers.js'

/** The FAPI interaction id header (FAPI 1.0 Part 1 §6.2.1 items 11–12). */
export const INTERACTION_ID = 'x-fapi-interaction-id'

/**
 * FAPI 1.0 Part 1 §6.2.1 item 11 and FAPI 2.0 say the value is an RFC 4122 UUID: the variant bits
 * `10`, a version 1–8 (RFC 9562 added 6–8), hex digits in either case (RFC 4122 §3: case-insensitive
 * on input). Only that is echoed; anything else (a label, a URL, a header injection) is replaced.
 */
const RFC4122_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

/** The interaction id of one request, and whether the client sent one that was not a UUID and was replaced. */
export interface InteractionId {
  readonly value: string
  readonly replaced: boolean
}

function firstHeader(request: Request | RequestLike, name: string): string | undefined {
  if (typeof request !== 'object' || request === null || typeof request.headers !== 'object' || request.headers === null) return undefined
  return readHeaderValues(request.headers, name)[0]
}

/** FAPI 1.0 Part 1 §6.2.1 items 11–12: the client's `x-fapi-interaction-id` when it is a UUID, else a new one. */
export function readInteractionId(request: Request | RequestLike): InteractionId {
  const sent = firstHeader(request, INTERACTION_ID)?.trim()
  if (sent !== undefined && RFC4122_UUID.test(sent)) return { value: sent, replaced: false }
  return { value: crypto.randomUUID(), replaced: sent !== undefined }
}

/** `x-fapi-auth-date` and `x-fapi-customer-ip-address`, passed through untouched (never a reason to refuse). */
export function readFAPIHeaders(request: Request | RequestLike): AuthContext['fapi'] {
  const authDate = firstHeader(request, 'x-fapi-auth-date')
  const customerIpAddress = firstHeader(request, 'x-fapi-customer-ip-address')
  if (authDate === undefined && customerIpAddress === undefined) return undefined
  return { ...(authDate !== undefined && { authDate }), ...(customerIpAddress !== undefined && { customerIpAddress }) }
}
