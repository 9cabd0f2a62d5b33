import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toResponse, type Guard, type GuardOptions } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'

// A Fetch handler (Workers, Deno, Bun, Node's Request/Response): `guard.verify(request)` on a real
// `Request`, `auth.responseHeaders` on success, `toResponse(error)` on refusal.

let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey('ES256')
})
afterAll(() => issuer.close())

const URL = 'https://api.example.test/accounts?page=2'

/** The smallest Fetch handler: verify, answer with the subject, or render the refusal. */
function handlerFor(guard: Guard): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const auth = await guard.verify(request, { scopes: ['accounts:read'] })
      return Response.json({ subject: auth.subject ?? null, binding: auth.binding }, { headers: auth.responseHeaders })
    } catch (error) {
      return toResponse(guard.toGuardError(error))
    }
  }
}

async function expectRefusal(response: Response, status: number, error: string | undefined): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('application/json')
  expect(response.headers.get('cache-control')).toBe('no-store')
  const challenge = response.headers.get('www-authenticate')
  if (status === 503) expect(challenge).toBeNull()
  else if (error === undefined) expect(challenge).not.toContain('error=')
  else expect(challenge).toContain(`error="${error}"`)
  return (await response.json()) as Record<string, unknown>
}

describe('Fetch handler', () => {
  const guardWith = (extra: Partial<GuardOptions> = {}) => createGuard({ issuer: issuer.issuer, audience: issuer.audience, ...extra })

  it('a DPoP request (Authorization: DPoP, a proof for the URL) → 200 with the binding', async () => {
    const handle = handlerFor(guardWith())
    const token = await issuer.mint({ sub: 'alice', scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
    const dpop = await createDPoPProof({ key, method: 'POST', url: URL, accessToken: token })
    const response = await handle(new Request(URL, { method: 'POST', headers: { authorization: `DPoP ${token}`, dpop }, body: '{}' }))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ subject: 'alice', binding: { dpop: { jkt: key.thumbprint } } })
  })

  it('the same proof again → 401 invalid_dpop_proof in the DPoP challenge', async () => {
    const handle = handlerFor(guardWith())
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
    const dpop = await createDPoPProof({ key, method: 'GET', url: URL, accessToken: token })
    const request = () => new Request(URL, { headers: { authorization: `DPoP ${token}`, dpop } })
    expect((await handle(request())).status).toBe(200)
    const replay = await handle(request())
    const body = await expectRefusal(replay, 401, 'invalid_dpop_proof')
    expect(replay.headers.get('www-authenticate')).toMatch(/DPoP error="invalid_dpop_proof"/)
    expect(body).toEqual({ error: 'invalid_dpop_proof', error_description: expect.any(String) })
  })

  it('a proof for another method → 401 invalid_dpop_proof', async () => {
    const handle = handlerFor(guardWith())
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
    const dpop = await createDPoPProof({ key, method: 'GET', url: URL, accessToken: token })
    const response = await handle(new Request(URL, { method: 'DELETE', headers: { authorization: `DPoP ${token}`, dpop } }))
    await expectRefusal(response, 401, 'invalid_dpop_proof')
  })

  it('server nonces: 401 use_dpop_nonce with a DPoP-Nonce header, then 200', async () => {
    const handle = handlerFor(guardWith({ dpop: { nonce: { secret: 'n'.repeat(32) } } }))
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
    const first = await handle(
      new Request(URL, { headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url: URL, accessToken: token }) } }),
    )
    expect(await expectRefusal(first, 401, 'use_dpop_nonce')).toMatchObject({ error: 'use_dpop_nonce' })
    const nonce = first.headers.get('dpop-nonce')
    expect(nonce).toEqual(expect.any(String))
    const dpop = await createDPoPProof({ key, method: 'GET', url: URL, accessToken: token, nonce: nonce as string })
    const second = await handle(new Request(URL, { headers: { authorization: `DPoP ${token}`, dpop } }))
    expect(second.status).toBe(200)
  })

  it('no credentials → 401: the challenge without an error, the body { error: "unauthorized" }', async () => {
    const response = await handlerFor(guardWith())(new Request(URL))
    expect(await expectRefusal(response, 401, undefined)).toEqual({ error: 'unauthorized' })
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", DPoP algs="[^"]+"$/)
  })

  it('an unbound token under fapi2 → 401 invalid_token rendered by toResponse', async () => {
    const response = await handlerFor(guardWith())(new Request(URL, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read' })}` } }))
    const body = await expectRefusal(response, 401, 'invalid_token')
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description'])
  })

  it('a missing scope → 403 insufficient_scope with scope="accounts:read"', async () => {
    const handle = handlerFor(guardWith({ profile: 'oauth2' }))
    const response = await handle(new Request(URL, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'openid' })}` } }))
    await expectRefusal(response, 403, 'insufficient_scope')
    expect(response.headers.get('www-authenticate')).toContain('scope="accounts:read"')
  })

  it('two Authorization headers (Headers joins them) → 400 invalid_request', async () => {
    const handle = handlerFor(guardWith({ profile: 'oauth2' }))
    const token = await issuer.mint({ scope: 'accounts:read' })
    const headers = new Headers()
    headers.append('authorization', `Bearer ${token}`)
    headers.append('authorization', `Bearer ${token}`)
    await expectRefusal(await handle(new Request(URL, { headers })), 400, 'invalid_request')
  })

  it('the key server down → 503 with Retry-After and no challenge', async () => {
    const handle = handlerFor(guardWith({ profile: 'oauth2' }))
    issuer.down = true
    try {
      const response = await handle(new Request(URL, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'accounts:read' })}` } }))
      expect(await expectRefusal(response, 503, 'temporarily_unavailable')).toMatchObject({ error: 'temporarily_unavailable' })
      expect(response.headers.get('retry-after')).toEqual(expect.any(String))
    } finally {
      issuer.down = false
    }
  })

  it('errorDescriptions: false → toResponse leaves the description out', async () => {
    const handle = handlerFor(guardWith({ errorDescriptions: false }))
    const response = await handle(new Request(URL, { headers: { authorization: 'Bearer not-a-jwt' } }))
    expect(await expectRefusal(response, 401, 'invalid_token')).toEqual({ error: 'invalid_token' })
    expect(response.headers.get('www-authenticate')).not.toContain('error_description')
  })
})
