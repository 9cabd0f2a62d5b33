import type { AuthContext, AuthenticationRequirement, AuthorizationDetailRequirement, ClaimRequirement, Guard, VerifyOptions } from '@fapi-guard/core'
import { defineAuthentication, defineAuthorizationDetails, defineClaims, defineRequirements, defineScopes, passedRefusal, refusalResponse } from '@fapi-guard/core/adapter'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GuardHook } from './augment.js'
import { sendAnswer } from './send-answer.js'

type Authorizing = (reply: FastifyReply, auth: AuthContext, requirements: VerifyOptions, request: FastifyRequest) => void

/**
 * Decorates `app.requireAuthorization`, `requireScopes`, `requireAuthentication`, `requireClaims` and
 * `requireAuthorizationDetails`: hooks for after `authenticate`, checking requirements already defined
 * (core `define*`). Returns the hook builder, which the plugin also uses for `config.authorizationDetails`.
 */
export function decorateRequireHooks(fastify: FastifyInstance, coreGuard: Guard, authorizing: Authorizing): (requirements: VerifyOptions, where: string) => GuardHook {
  const requireAuthorization = (requirements: VerifyOptions, where: string): GuardHook => {
    const name = where.endsWith('()') ? where.slice(0, -2) : undefined
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const refusal = passedRefusal(request)
      if (refusal !== undefined) {
        sendAnswer(reply, refusalResponse(coreGuard, refusal))
        return
      }
      if (request.auth === null) {
        const fix = name === undefined ? 'add onRequest: app.authenticate to the route' : `use onRequest: [app.authenticate, app.${name}(...)]`
        throw new Error(`fapi-guard: ${where} ran without authenticate before it; ${fix}`)
      }
      authorizing(reply, request.auth, requirements, request)
    }
  }
  fastify.decorate('requireAuthorization', (requirements: VerifyOptions) => requireAuthorization(defineRequirements(requirements, 'requireAuthorization()'), 'requireAuthorization()'))
  fastify.decorate('requireScopes', (...scopes: string[]) => requireAuthorization(defineScopes(scopes, 'requireScopes()'), 'requireScopes()'))
  fastify.decorate('requireAuthentication', (requirement: AuthenticationRequirement) =>
    requireAuthorization(defineAuthentication(requirement, 'requireAuthentication()'), 'requireAuthentication()'),
  )
  fastify.decorate('requireClaims', (...claims: ClaimRequirement[]) => requireAuthorization(defineClaims(claims, 'requireClaims()'), 'requireClaims()'))
  fastify.decorate('requireAuthorizationDetails', (...requirements: AuthorizationDetailRequirement<FastifyRequest>[]) =>
    requireAuthorization(defineAuthorizationDetails(requirements, 'requireAuthorizationDetails()'), 'requireAuthorizationDetails()'),
  )
  return requireAuthorization
}
