import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { backends } from './support/backends.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer({ algorithms: ['ES256', 'PS256', 'EdDSA'] })
})
afterAll(() => issuer.close())

describe.each(backends)('smoke ($name)', ({ createGuard }) => {
  it('accepts a valid token and refuses a tampered one', async () => {
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' })
    for (const key of issuer.keys) {
      const token = await issuer.mint({ scope: 'a b' }, { kid: key.kid })
      const auth = await guard.verify({ method: 'GET', url: 'https://api.example.test/x', headers: { authorization: `Bearer ${token}` } })
      expect(auth.scopes).toEqual(['a', 'b'])
      // The signature's first character carries six bits of it: changing it changes the signature and
      // keeps the encoding canonical (changing the last ones could leave the padding bits set, a malformed JWS).
      const [header, payload, signature] = token.split('.') as [string, string, string]
      const bad = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
      await expect(guard.verify({ method: 'GET', url: 'https://api.example.test/x', headers: { authorization: `Bearer ${bad}` } })).rejects.toMatchObject({ code: 'ERR_JWT_SIGNATURE_INVALID', status: 401 })
    }
  })
})
