import type { HTTPAnswer } from '@fapi-guard/core/adapter'
import type { FastifyReply } from 'fastify'

/** Copies the core's answer (status, headers, body) onto the reply; nothing is added or interpreted here. */
export function sendAnswer(reply: FastifyReply, answer: HTTPAnswer): void {
  reply.code(answer.status).headers(answer.headers).send(answer.body)
}
