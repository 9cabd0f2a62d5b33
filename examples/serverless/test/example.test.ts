import { createLocalIssuer } from '@fapi-guard/testing'
import { describe, expect, it } from 'vitest'
import { accountsEvent } from '../src/api-gateway-event.js'
import { handler } from '../src/lambda-handler.js'
import { formatResults, runExample } from '../src/main.js'

describe('the serverless example', () => {
  it('Fetch handler and Lambda handler: each accepts the bound token and refuses it without its key or certificate', async () => {
    const results = await runExample()
    expect(results.map((result) => [result.title, result.status])).toEqual([
      ['Fetch handler: DPoP-bound token with a fresh proof', 200],
      ['Fetch handler: the same token without a proof', 401],
      ['Lambda handler: certificate-bound token with its certificate', 200],
      ['Lambda handler: the same token with another certificate', 401],
    ])
    const [fetchAccepted, fetchRefused, lambdaAccepted, lambdaRefused] = results
    expect(fetchAccepted).toMatchObject({ wwwAuthenticate: undefined, body: { owner: 'alice' } })
    expect(fetchRefused).toMatchObject({ body: { error: 'invalid_dpop_proof' } })
    expect(fetchRefused?.wwwAuthenticate).toMatch(/DPoP error="invalid_dpop_proof"/)
    expect(lambdaAccepted).toMatchObject({ wwwAuthenticate: undefined, body: { owner: 'alice' } })
    expect(lambdaRefused).toMatchObject({ body: { error: 'invalid_token' } })
    expect(lambdaRefused?.wwwAuthenticate).toContain('error="invalid_token"')
    expect(formatResults(results).split('\n').filter((line) => line.includes('(expected'))).toHaveLength(4)
  })

  it('the deployable handler reads ISSUER and AUDIENCE from the environment', async () => {
    const issuer = await createLocalIssuer()
    const saved = { ISSUER: process.env.ISSUER, AUDIENCE: process.env.AUDIENCE }
    process.env.ISSUER = issuer.issuer
    process.env.AUDIENCE = issuer.audience
    try {
      const result = await handler(accountsEvent({ clientCertPem: 'unused' }))
      expect(result.statusCode).toBe(401)
      expect(result.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
      expect(JSON.parse(result.body)).toEqual({ error: 'unauthorized' })
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      await issuer.close()
    }
  })
})
