import { createGuard, GuardError } from '@fapi-guard/core'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { guard, guardErrorHandler } from '@fapi-guard/express'
import type { ErrorRequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { protectedApp } from './support/apps.js'
import { expressVersions } from './support/express-versions.js'
import { send, serve } from './support/http.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

describe.each(expressVersions)('forwardErrors and guardErrorHandler() on $name', ({ express }) => {
  const options = () => ({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' as const })

  it('forwardErrors: an app error handler sees the GuardError first, guardErrorHandler() then answers like guard()', async () => {
    const seen: unknown[] = []
    const observe: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
      seen.push(error)
      next(error)
    }
    const forwarding = protectedApp(express, [guard({ ...options(), forwardErrors: true })], [observe, guardErrorHandler()])
    const direct = protectedApp(express, [guard(options())])
    const [a, b] = await Promise.all([serve(forwarding.app), serve(direct.app)])
    try {
      for (const authorization of [undefined, 'Bearer', 'Bearer not-a-jwt']) {
        const headers = authorization === undefined ? {} : { authorization }
        const viaHandler = await send(`${a.origin}/resource`, { headers })
        const viaGuard = await send(`${b.origin}/resource`, { headers })
        expect(viaHandler.status).toBe(viaGuard.status)
        expect(viaHandler.headers['www-authenticate']).toBe(viaGuard.headers['www-authenticate'])
        expect(viaHandler.body).toBe(viaGuard.body)
      }
      expect(seen).toHaveLength(3)
      for (const error of seen) expect(error).toMatchObject({ name: 'GuardError' })
      expect(forwarding.route.count + direct.route.count).toBe(0)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('passes anything that is not a GuardError on to next(error)', async () => {
    const app = express()
    app.get('/boom', () => {
      throw new Error('boom')
    })
    const last: ErrorRequestHandler = (error: Error, _req, res, _next) => {
      res.status(500).json({ message: error.message })
    }
    app.use(guardErrorHandler(), last)
    const server = await serve(app)
    try {
      const reply = await send(`${server.origin}/boom`)
      expect(reply.status).toBe(500)
      expect(reply.json()).toEqual({ message: 'boom' })
    } finally {
      await server.close()
    }
  })

  it('gives a GuardError thrown by the route its challenge, from the guard of the request', async () => {
    const coreGuard = createGuard(options())
    const app = express()
    app.get('/resource', guard(coreGuard), () => {
      throw new GuardError('ERR_INSUFFICIENT_SCOPE', 'the access token lacks a scope this resource needs', { scheme: 'Bearer', scope: 'admin' })
    })
    app.use(guardErrorHandler())
    const server = await serve(app)
    try {
      const reply = await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${await issuer.mint()}` } })
      expect(reply.status).toBe(403)
      expect(reply.headers['www-authenticate']).toContain('error="insufficient_scope"')
      expect(reply.headers['www-authenticate']).toContain('scope="admin"')
      expect(reply.json()).toEqual({ error: 'insufficient_scope', error_description: 'the access token lacks a scope this resource needs' })
    } finally {
      await server.close()
    }
  })
})
