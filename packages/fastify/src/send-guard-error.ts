import type { GuardError } from '@fapi-guard/core'
import type { FastifyReply } from 'fastify'

/**
 * Answers a refusal: the error's status, its headers (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Retry-After`) and the JSON body `{ error, error_description }` (RFC 6750 §3). Nothing is added
 * or interpreted here.
 */
export function sendGuardError(reply: FastifyReply, error: GuardError): void {
  reply.code(error.status).headers(error.headers).send(error.toJSON())
}
