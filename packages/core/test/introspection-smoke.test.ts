import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { createGuard } from '../src/node/index.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer({ introspectionClient: { clientId: 'rs', clientSecret: 'rs secret:1' } })
})
afterAll(() => issuer.close())

describe('introspection smoke', () => {
  it('introspects opaque tokens, caches, honours revocation after the TTL', async () => {
    let now = Date.now()
    const guard = createGuard({
      issuer: issuer.issuer,
      audience: issuer.audience,
      profile: 'oauth2',
      clock: () => now,
      introspection: { clientId: 'rs', clientSecret: 'rs secret:1', cache: { ttl: 30 } },
    })
    const token = issuer.issueOpaque({ scope: 'read' })
    const request = { method: 'GET', url: 'https://api.example.test/x', headers: { authorization: `Bearer ${token}` } }
    const before = issuer.introspections.length
    const auth = await guard.verify(request)
    expect(auth.source).toBe('introspection')
    expect(auth.scopes).toEqual(['read'])
    await Promise.all(Array.from({ length: 10 }, () => guard.verify(request)))
    expect(issuer.introspections.length - before).toBe(1)
    issuer.revoke(token)
    await guard.verify(request)
    now += 31_000
    await expect(guard.verify(request)).rejects.toMatchObject({ code: 'ERR_TOKEN_INACTIVE', status: 401 })
  })
  it('jwt responses', async () => {
    const guard = createGuard({
      issuer: issuer.issuer,
      audience: issuer.audience,
      profile: 'oauth2',
      introspection: { clientId: 'rs', clientSecret: 'rs secret:1', responseFormat: 'jwt', cache: false },
    })
    const token = issuer.issueOpaque({ scope: 'read' })
    const auth = await guard.verify({ method: 'GET', url: 'https://api.example.test/x', headers: { authorization: `Bearer ${token}` } })
    expect(auth.subject).toBe('user-1')
    const wrong = createGuard({
      issuer: issuer.issuer,
      audience: issuer.audience,
      profile: 'oauth2',
      introspection: { clientId: 'rs', clientSecret: 'bad', responseFormat: 'jwt', cache: false },
    })
    await expect(wrong.verify({ method: 'GET', url: 'https://api.example.test/x', headers: { authorization: `Bearer ${token}` } })).rejects.toMatchObject({ status: 503, code: 'ERR_INTROSPECTION_UNAVAILABLE' })
  })
})
