import { randomBytes } from 'node:crypto'
import { base64url } from 'jose'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64url, encodeBase64url } from '../src/lib/encoding.js'

describe('base64url codec', () => {
  it('agrees with jose and Buffer on every length and content', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const encoded = encodeBase64url(bytes)
        expect(encoded).toBe(base64url.encode(bytes))
        expect(encoded).toBe(Buffer.from(bytes).toString('base64url'))
        expect(decodeBase64url(encoded)).toEqual(bytes)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses characters outside the alphabet, padding, impossible lengths and stray bits', () => {
    const valid = encodeBase64url(randomBytes(31))
    for (const bad of [`${valid}=`, `${valid.slice(0, -1)}+`, `${valid.slice(0, -1)}/`, 'a', 'abcde', `${valid}é`, 'ab c', 'ab\u0100c']) {
      expect(decodeBase64url(bad), bad).toBeUndefined()
    }
    // 31 bytes → 42 characters, the last carrying 2 stray bits: every non-canonical spelling is refused.
    const canonical = valid.at(-1) as string
    for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
      const spelled = `${valid.slice(0, -1)}${char}`
      if (char !== canonical && Buffer.from(spelled, 'base64url').equals(Buffer.from(valid, 'base64url'))) {
        expect(decodeBase64url(spelled), spelled).toBeUndefined()
      }
    }
  })
})
