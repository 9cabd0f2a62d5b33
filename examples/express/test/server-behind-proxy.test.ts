import { createLocalIssuer, createTestCertificate, type LocalIssuer } from '@fapi-guard/testing'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CERTIFICATE_HEADER, startAPIBehindProxy } from '../src/server-behind-proxy.js'
import type { RunningAPI } from '../src/server.js'

function get(url: string, headers: Record<string, string>): Promise<{ status: number; wwwAuthenticate: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, wwwAuthenticate: res.headers['www-authenticate'] }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the API behind an nginx-style proxy', () => {
  let issuer: LocalIssuer
  let api: RunningAPI
  beforeAll(async () => {
    issuer = await createLocalIssuer()
    api = await startAPIBehindProxy({ issuer: issuer.issuer, audience: issuer.audience })
  })
  afterAll(async () => {
    await api.close()
    await issuer.close()
  })

  it('takes the certificate the proxy forwards from loopback, and only the one the token is bound to', async () => {
    const client = createTestCertificate('client')
    const other = createTestCertificate('another-client')
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { 'x5t#S256': client.thumbprint } })
    const url = `${api.origin}/accounts`
    expect(api.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const forwarded = await get(url, { authorization: `Bearer ${token}`, [CERTIFICATE_HEADER]: encodeURIComponent(client.cert) })
    expect(forwarded.status).toBe(200)

    const another = await get(url, { authorization: `Bearer ${token}`, [CERTIFICATE_HEADER]: encodeURIComponent(other.cert) })
    expect(another.status).toBe(401)
    expect(another.wwwAuthenticate).toContain('error="invalid_token"')

    const none = await get(url, { authorization: `Bearer ${token}` })
    expect(none.status).toBe(401)
    expect(none.wwwAuthenticate).toContain('error="invalid_token"')
  })
})
