/**
 * What is Hono's own: mounting forms (app-wide with the metadata document, per route, around an
 * existing guard), the adapter's options, `c.get('auth')`, headers on any response the handler makes,
 * passthrough, and where the peer address and certificate come from when there is no connection
 * (`app.request()`). Every shared behaviour is a row of the contract table (test/contract).
 */
import { createGuard } from '@fapi-guard/core'
import { fapiGuard, requireScopes, type FapiGuardEnv, type FapiGuardOptionalEnv } from '@fapi-guard/hono'
import { createDPoPKey, createDPoPProof, createLocalIssuer, createTestCertificate, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ORIGIN = 'https://api.example.test'
let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey()
})
afterAll(() => issuer.close())

const options = () => ({ issuer: issuer.issuer, audience: issuer.audience })

/** Authorization and DPoP headers for `GET <url>` with a DPoP-bound token carrying `scope`. */
async function dpopHeaders(url: string, scope = 'accounts:read', extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const token = await issuer.mint({ sub: 'alice', scope, cnf: { jkt: key.thumbprint } })
  return { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }), ...extra }
}

describe('fapiGuard on Hono', () => {
  it('app-wide: verifies, sets c.get("auth") and c.var.auth, answers the RFC 9728 document on GET and HEAD', async () => {
    const app = new Hono<FapiGuardEnv>()
    app.use(fapiGuard({ ...options(), resource: { identifier: ORIGIN, scopes: ['accounts:read'] } }))
    app.get('/accounts', requireScopes('accounts:read'), (c) => c.json({ owner: c.get('auth').subject, same: c.var.auth === c.get('auth') }))
    const url = `${ORIGIN}/accounts`
    const ok = await app.request(url, { headers: await dpopHeaders(url) })
    expect([ok.status, await ok.json()]).toEqual([200, { owner: 'alice', same: true }])
    const metadata = await app.request(`${ORIGIN}/.well-known/oauth-protected-resource`)
    expect(metadata.status).toBe(200)
    expect(metadata.headers.get('cache-control')).toBe('public, max-age=3600')
    expect(await metadata.json()).toMatchObject({ resource: ORIGIN, authorization_servers: [issuer.issuer] })
    const head = await app.request(`${ORIGIN}/.well-known/oauth-protected-resource`, { method: 'HEAD' })
    expect([head.status, await head.text()]).toEqual([200, ''])
    const missing = await app.request(url)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/)
    expect(missing.headers.get('cache-control')).toBe('no-store')
    const scope = await app.request(url, { headers: await dpopHeaders(url, 'openid') })
    expect([scope.status, ((await scope.json()) as { error: string }).error]).toEqual([403, 'insufficient_scope'])
  })

  it('per route, around an existing guard; the success headers reach a Response the handler built itself', async () => {
    const core = createGuard({ ...options(), interactionId: true })
    const app = new Hono()
    app.get('/accounts', fapiGuard(core), (c) => new Response(c.get('auth').subject ?? ''))
    const url = `${ORIGIN}/accounts`
    const answer = await app.request(url, { headers: await dpopHeaders(url, 'accounts:read', { 'x-fapi-interaction-id': '6f1b1a3e-1c57-4f0a-9d3e-2a1a0c9b7e55' }) })
    expect([answer.status, await answer.text(), answer.headers.get('x-fapi-interaction-id')]).toEqual([200, 'alice', '6f1b1a3e-1c57-4f0a-9d3e-2a1a0c9b7e55'])
    expect((await app.request(`${ORIGIN}/other`)).status).toBe(404)
  })

  it('checks its options now: unknown ones, wrong types, core options beside an existing guard', () => {
    expect(() => fapiGuard({ ...options(), passThrough: true } as never)).toThrow('option "passThrough" is not a known option')
    expect(() => fapiGuard({ ...options(), passthrough: 'yes' } as never)).toThrow('option "passthrough" must be a boolean')
    expect(() => fapiGuard({ ...options(), getPeerAddress: '127.0.0.1' } as never)).toThrow('option "getPeerAddress" must be a function')
    expect(() => fapiGuard(createGuard(options()), { issuer: 'x' } as never)).toThrow('"issuer" is not an adapter option')
  })

  it('passthrough: no credentials → on without auth; requireScopes then answers the 401 challenge; a bad token is refused', async () => {
    const app = new Hono<FapiGuardOptionalEnv>()
    app.use(fapiGuard({ ...options(), passthrough: true }))
    app.get('/offers', (c) => c.json({ auth: c.get('auth') === undefined ? 'none' : 'some' }))
    app.get('/accounts', requireScopes('accounts:read'), (c) => c.text('never'))
    expect(await (await app.request(`${ORIGIN}/offers`)).json()).toEqual({ auth: 'none' })
    const challenged = await app.request(`${ORIGIN}/accounts`)
    expect([challenged.status, challenged.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="api", DPoP algs="PS256 ES256 EdDSA Ed25519"'])
    expect((await app.request(`${ORIGIN}/offers`, { headers: { authorization: 'Bearer garbage' } })).status).toBe(401)
  })

  it('requireScopes() with no fapiGuard() before it is a programming error: 500 through onError, never a pass', async () => {
    const app = new Hono()
    app.get('/accounts', requireScopes('accounts:read'), (c) => c.text('never'))
    const errors: string[] = []
    app.onError((error, c) => {
      errors.push(error.message)
      return c.text('error', 500)
    })
    expect((await app.request(`${ORIGIN}/accounts`)).status).toBe(500)
    expect(errors).toEqual(['fapi-guard: requireScopes() ran without fapiGuard() before it on this route; put fapiGuard(options) first'])
  })

  it('without a connection (app.request()): no peer address, so forwarded headers are not believed; getPeerAddress supplies one', async () => {
    const proxy = { trusted: ['loopback'] }
    const publicUrl = 'https://public.example.test/accounts'
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.test' }
    const app = new Hono()
    app.get('/accounts', fapiGuard({ ...options(), proxy }), (c) => c.text('ok'))
    const untrusted = await app.request('http://10.0.0.5/accounts', { headers: await dpopHeaders(publicUrl, 'x', forwarded) })
    expect(untrusted.status).toBe(401)
    const told = new Hono()
    told.get('/accounts', fapiGuard({ ...options(), proxy, getPeerAddress: () => '127.0.0.1' }), (c) => c.text('ok'))
    expect((await told.request('http://10.0.0.5/accounts', { headers: await dpopHeaders(publicUrl, 'x', forwarded) })).status).toBe(200)
  })

  it('a certificate-bound token without a connection has no certificate → 401 invalid_token', async () => {
    const certificate = createTestCertificate('client')
    const token = await issuer.mint({ sub: 'alice', cnf: { 'x5t#S256': certificate.thumbprint } })
    const app = new Hono()
    app.get('/accounts', fapiGuard(options()), (c) => c.text('ok'))
    const answer = await app.request(`${ORIGIN}/accounts`, { headers: { authorization: `Bearer ${token}` } })
    expect([answer.status, ((await answer.json()) as { error_description: string }).error_description]).toEqual([401, 'the access token is certificate-bound but no client certificate was presented'])
  })
})
