/**
 * `normalizeHtu`: the form `htu` and the request URL are compared in (RFC 9449 §4.3 check 9, RFC 3986
 * §6.2.2–6.2.3). Every line of the standards.md DPOP-12 table, then attacks.md C29–C33. A pure
 * function: no crypto backend involved (the same rows run through guard.verify on both entry points in
 * verify-dpop-proof.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { normalizeHtu } from '../../src/binding/normalize-htu.js'

/** Whether a proof `htu` matches a request URL. */
function matches(htu: string, target: string): boolean {
  const a = normalizeHtu(htu)
  const b = normalizeHtu(target)
  return a !== undefined && b !== undefined && a === b
}

describe('normalizeHtu', () => {
  describe('DPOP-12 normalization table (standards.md §4b)', () => {
    const table: ReadonlyArray<readonly [htu: string, target: string, expected: boolean, note: string]> = [
      ['https://resource.example.org/protectedresource', 'https://resource.example.org/protectedresource?x=1#f', true, 'query and fragment ignored'],
      ['HTTPS://Resource.Example.ORG:443/protectedresource', 'https://resource.example.org/protectedresource', true, 'case, default port'],
      ['https://resource.example.org/a/./b/../protectedresource', 'https://resource.example.org/a/protectedresource', true, 'dot segments'],
      ['https://resource.example.org', 'https://resource.example.org/', true, 'empty path is "/"'],
      ['https://resource.example.org/%7Euser', 'https://resource.example.org/~user', true, 'unreserved decoded'],
      ['https://resource.example.org/%7euser', 'https://resource.example.org/%7Euser', true, 'hex case'],
      ['https://resource.example.org:8443/x', 'https://resource.example.org/x', false, 'non-default port'],
      ['http://resource.example.org/protectedresource', 'https://resource.example.org/protectedresource', false, 'scheme differs'],
      ['https://resource.example.org/protectedresource/', 'https://resource.example.org/protectedresource', false, 'trailing slash'],
    ]
    it.each(table)('DPOP-12 %s vs %s → %s (%s)', (htu, target, expected) => {
      expect(matches(htu, target)).toBe(expected)
      expect(matches(target, htu)).toBe(expected)
    })
  })

  it('DPOP-12 the normal form drops query and fragment and keeps origin and path', () => {
    expect(normalizeHtu('HTTPS://Resource.Example.ORG:443/a/./b/../%7euser/%7b?x=1#f')).toBe('https://resource.example.org/a/~user/%7B')
    expect(normalizeHtu('http://example.com:80')).toBe('http://example.com/')
  })

  it('DPOP-12 the RFC 3986 §6.2.2 and §6.2.3 example equivalences (http variants)', () => {
    expect(matches('http://a/b/c/%7Bfoo%7D', 'hTTP://a/./b/../b/%63/%7bfoo%7d')).toBe(true)
    const forms = ['http://example.com', 'http://example.com/', 'http://example.com:/', 'http://example.com:80/']
    for (const form of forms) expect(normalizeHtu(form)).toBe('http://example.com/')
  })

  it('C29 an uppercase scheme and host match', () => {
    expect(matches('HTTPS://RS.EXAMPLE.COM/x', 'https://rs.example.com/x')).toBe(true)
  })

  it('C30 the explicit default port matches (443 for https, 80 for http), another port does not', () => {
    expect(matches('https://rs.example.com:443/x', 'https://rs.example.com/x')).toBe(true)
    expect(matches('http://rs.example.com:80/x', 'http://rs.example.com/x')).toBe(true)
    expect(matches('https://rs.example.com:80/x', 'https://rs.example.com/x')).toBe(false)
    expect(matches('http://rs.example.com:443/x', 'http://rs.example.com/x')).toBe(false)
  })

  it('C31 the path is case-sensitive', () => {
    expect(matches('https://rs.example.com/Accounts', 'https://rs.example.com/accounts')).toBe(false)
  })

  it('C32 %7E equals ~; %2F is not /', () => {
    expect(matches('https://rs.example.com/%7E', 'https://rs.example.com/~')).toBe(true)
    expect(matches('https://rs.example.com/a%2Fb', 'https://rs.example.com/a/b')).toBe(false)
    expect(matches('https://rs.example.com/a%2fb', 'https://rs.example.com/a%2Fb')).toBe(true)
    // Other unreserved characters are decoded too; reserved and non-ASCII ones stay escaped (hex uppercased).
    expect(normalizeHtu('https://rs.example.com/%41%62%2D%2e%5F%30')).toBe('https://rs.example.com/Ab-._0')
    expect(normalizeHtu('https://rs.example.com/%3a%40%25%c3%a9')).toBe('https://rs.example.com/%3A%40%25%C3%A9')
    expect(normalizeHtu('https://rs.example.com/%2541')).toBe('https://rs.example.com/%2541')
  })

  it('C32 %2e%2e is a dot segment, as RFC 3986 and WHATWG URL read it', () => {
    // attacks.md C32 infers that %2e%2e should *not* equal "..". RFC 3986 §6.2.2.2 says percent-encoded
    // unreserved characters (here ".") are equivalent to the characters themselves, and §6.2.2.3 then
    // removes the dot segments; WHATWG URL treats "%2e%2e" as ".." when parsing. So the proof's htu and
    // the request URL both resolve the segment: /a/%2e%2e/x is /x. This departs from C32's inference on
    // purpose; the request URL is normalized the same way, so no request is reached under a name the
    // client did not sign.
    expect(normalizeHtu('https://rs.example.com/a/%2e%2e/x')).toBe('https://rs.example.com/x')
    expect(normalizeHtu('https://rs.example.com/a/%2E%2E/x')).toBe('https://rs.example.com/x')
    expect(normalizeHtu('https://rs.example.com/a/.%2e/x')).toBe('https://rs.example.com/x')
    expect(normalizeHtu('https://rs.example.com/a/%2e/x')).toBe('https://rs.example.com/a/x')
    expect(matches('https://rs.example.com/a/%2e%2e/x', 'https://rs.example.com/x')).toBe(true)
    expect(matches('https://rs.example.com/a/%2e%2e/x', 'https://rs.example.com/a/x')).toBe(false)
    // An encoded slash inside the segment keeps it from being a dot segment.
    expect(normalizeHtu('https://rs.example.com/a/%2E%2E%2Fb')).toBe('https://rs.example.com/a/..%2Fb')
    // Dot segments never climb above the root.
    expect(normalizeHtu('https://rs.example.com/%2e%2e/%2e%2e/x')).toBe('https://rs.example.com/x')
  })

  it('C33 trailing slash and http vs https differ; userinfo is refused; the empty path equals "/"', () => {
    expect(matches('https://rs.example.com/res/', 'https://rs.example.com/res')).toBe(false)
    expect(matches('http://rs.example.com/res', 'https://rs.example.com/res')).toBe(false)
    expect(normalizeHtu('https://u@rs.example.com/res')).toBeUndefined()
    expect(normalizeHtu('https://u:p@rs.example.com/res')).toBeUndefined()
    expect(normalizeHtu('https://:p@rs.example.com/res')).toBeUndefined()
    expect(matches('https://u@rs.example.com/res', 'https://u@rs.example.com/res')).toBe(false)
    expect(matches('https://rs.example.com', 'https://rs.example.com/')).toBe(true)
  })

  it('C33 an IDN host equals its punycode form (WHATWG URL); a homograph does not', () => {
    // attacks.md C33 infers IDN vs punycode should not match; WHATWG URL (and so every runtime's URL)
    // maps the U-label to its A-label, so both name the same host. Asserted as it behaves.
    expect(normalizeHtu('https://bücher.example/x')).toBe('https://xn--bcher-kva.example/x')
    expect(matches('https://bücher.example/x', 'https://xn--bcher-kva.example/x')).toBe(true)
    expect(matches('https://\u0430pi.example.test/x', 'https://api.example.test/x')).toBe(false)
  })

  it('anything but an absolute http(s) URI has no normal form', () => {
    for (const value of ['', '/x', 'rs.example.com/x', 'ftp://rs.example.com/x', 'wss://rs.example.com/x', 'javascript:alert(1)', 'https://', 'https://[::1/x', 'not a url']) {
      expect(normalizeHtu(value)).toBeUndefined()
    }
  })

  it('a URL with a query or fragment is normalized as a whole, never as its part before them', () => {
    for (let i = 0; i < 2; i++) {
      expect(normalizeHtu('https://a ?x')).toBeUndefined()
      expect(normalizeHtu('https://a ')).toBe('https://a/')
      expect(normalizeHtu('https://rs.example.com/p?q=1#f')).toBe('https://rs.example.com/p')
    }
  })

  it('gives the same answers when asked again, after a flood of other URLs, and for very long ones', () => {
    const samples = ['https://API.example.test:443/a/./b/../c', 'ftp://rs.example.com/x', 'https://rs.example.com/%7euser', `https://rs.example.com/${'a'.repeat(5000)}`]
    const first = samples.map((value) => normalizeHtu(value))
    expect(first).toEqual(['https://api.example.test/a/c', undefined, 'https://rs.example.com/~user', `https://rs.example.com/${'a'.repeat(5000)}`])
    expect(samples.map((value) => normalizeHtu(value))).toEqual(first)
    for (let i = 0; i < 5000; i++) expect(normalizeHtu(`https://rs.example.com/${i}/%2e%2e/x`)).toBe('https://rs.example.com/x')
    expect(samples.map((value) => normalizeHtu(value))).toEqual(first)
  })

  it('IPv4 and IPv6 hosts are normalized as WHATWG URL does', () => {
    expect(matches('https://[0:0::1]:443/x', 'https://[::1]/x')).toBe(true)
    expect(matches('https://127.0.0.1/x', 'https://127.0.0.1/x')).toBe(true)
    expect(matches('https://0x7f.0.0.1/x', 'https://127.0.0.1/x')).toBe(true)
  })
})
