import { randomBytes } from 'node:crypto'
import { base64url } from 'jose'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64url, decodeBase64urlPortable, encodeBase64url, usableBuffer } from '../src/lib/encoding.js'

// On Node the decoder checks the alphabet, then decodes natively; elsewhere it runs in JavaScript.
// Both must give the same answer to every input.
const decoders = [
  { name: 'native', decode: decodeBase64url },
  { name: 'portable', decode: decodeBase64urlPortable },
]
const bytesOf = (value: Uint8Array | undefined) => (value === undefined ? undefined : [...value])

describe.each(decoders)('base64url codec ($name decoder)', ({ decode: decodeBase64url }) => {
  it('agrees with jose and Buffer on every length and content', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const encoded = encodeBase64url(bytes)
        expect(encoded).toBe(base64url.encode(bytes))
        expect(encoded).toBe(Buffer.from(bytes).toString('base64url'))
        expect(bytesOf(decodeBase64url(encoded))).toEqual([...bytes])
      }),
      { numRuns: 2000 },
    )
  })

  it('answers any string as the other decoder does', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'AQgw_-+/=. \n\u00e9\u0100'), maxLength: 40 }), fc.string({ maxLength: 12 }), (noise, tail) => {
        for (const input of [noise, `${encodeBase64url(new Uint8Array(7))}${tail}`]) {
          expect(bytesOf(decodeBase64url(input)), input).toEqual(bytesOf(decodeBase64urlPortable(input)))
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('encodes long inputs (a certificate chain, 100 KB) exactly as Buffer does', () => {
    const bytes = randomBytes(100_001)
    expect(encodeBase64url(bytes)).toBe(bytes.toString('base64url'))
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

describe('usableBuffer', () => {
  it("takes Node's Buffer, and leaves a polyfill without base64url (or anything else) to the portable codec", () => {
    expect(usableBuffer(Buffer)).toBe(Buffer)
    // As the `buffer` package (v6) on globalThis in a browser bundle: no base64url.
    const polyfill = {
      from(_input: string, encoding: string): Uint8Array {
        throw new TypeError(`Unknown encoding: ${encoding}`)
      },
      isEncoding: (encoding: string) => ['utf8', 'latin1', 'base64', 'hex'].includes(encoding),
    }
    expect(usableBuffer(polyfill)).toBeUndefined()
    for (const other of [undefined, null, {}, { from: () => new Uint8Array() }, 'Buffer']) expect(usableBuffer(other)).toBeUndefined()
  })
})
