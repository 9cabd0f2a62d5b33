/**
 * `resolveRequestURL`: the URL the client addressed, which a DPoP proof's `htu` must equal (RFC 9449
 * §4.3 check 9). `proxy.publicUrl` wins; forwarded headers count only from a trusted peer (attacks.md
 * C34/C35; the same rows through guard.verify are in proxy-trust.test.ts).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isGuardError } from '../../src/errors/guard-error.js'
import { compileTrustedProxies } from '../../src/request/proxy-trust.js'
import { readRequestURLParts, resolveRequestURL, type RequestURLRules } from '../../src/request/resolve-request-url.js'
import type { ForwardedFamily } from '../../src/request/forwarded-elements.js'
import type { RequestLike } from '../../src/types.js'

const INTERNAL = 'http://10.0.0.5:8080/x?q=1'
const PROXY = '10.0.0.7'

function rules(trusted: string[] = ['10.0.0.0/8'], publicUrl?: string, forwarded: ForwardedFamily = 'x-forwarded'): RequestURLRules {
  return { trusted: compileTrustedProxies(trusted).matcher, publicUrl: publicUrl === undefined ? undefined : new URL(publicUrl), forwarded }
}

/** A request from `peerAddress` (`null`: no peer address known). */
function request(headers: Record<string, string | string[]> | Headers, peerAddress: string | null = PROXY, url = INTERNAL): RequestLike {
  return { method: 'GET', url, headers, ...(peerAddress !== null && { peerAddress }) }
}

describe('resolveRequestURL', () => {
  it('C35 from an untrusted or unknown peer, the request URL as given, whatever the headers say', () => {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', forwarded: 'host=evil.example;proto=https' }
    expect(resolveRequestURL(request(headers, '203.0.113.9'), rules())).toBe(INTERNAL)
    expect(resolveRequestURL(request(headers, null), rules())).toBe(INTERNAL)
    expect(resolveRequestURL(request(headers, PROXY), rules([]))).toBe(INTERNAL)
  })

  it('C34 from a trusted peer, X-Forwarded-Proto and X-Forwarded-Host (query kept)', () => {
    expect(resolveRequestURL(request({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }), rules())).toBe('https://api.example.com/x?q=1')
    expect(resolveRequestURL(request({ 'X-Forwarded-Proto': 'HTTPS', 'X-Forwarded-Host': 'api.example.com:8443' }), rules())).toBe('https://api.example.com:8443/x?q=1')
  })

  it('C34 RFC 7239 Forwarded, with forwardedHeaders "forwarded": the element of the outermost trusted proxy, quoted values; X-Forwarded-* not read', () => {
    const headers = {
      forwarded: 'for=198.51.100.17;proto=https;host="api.example.com", for=10.0.0.9;proto=http;host=internal',
      'x-forwarded-host': 'other.example',
      'x-forwarded-proto': 'http',
    }
    expect(resolveRequestURL(request(headers), rules(undefined, undefined, 'forwarded'))).toBe('https://api.example.com/x?q=1')
    expect(resolveRequestURL(request({ forwarded: 'Proto=HTTPS; Host=api.example.com' }), rules(undefined, undefined, 'forwarded'))).toBe('https://api.example.com/x?q=1')
    expect(resolveRequestURL(request({ 'x-forwarded-host': 'other.example' }), rules(undefined, undefined, 'forwarded'))).toBe(INTERNAL)
  })

  it('X-Forwarded-Port replaces the port; X-Forwarded-Prefix goes before the path', () => {
    const port = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com:9999', 'x-forwarded-port': '8443' }
    expect(resolveRequestURL(request(port), rules())).toBe('https://api.example.com:8443/x?q=1')
    const prefix = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com', 'x-forwarded-prefix': '/api/' }
    expect(resolveRequestURL(request(prefix), rules())).toBe('https://api.example.com/api/x?q=1')
  })

  it('an IPv6 forwarded host keeps its brackets', () => {
    expect(resolveRequestURL(request({ 'x-forwarded-proto': 'https', 'x-forwarded-host': '[2001:db8::1]' }), rules())).toBe('https://[2001:db8::1]/x?q=1')
    expect(resolveRequestURL(request({ 'x-forwarded-host': '[2001:db8::1]', 'x-forwarded-port': '443' }), rules())).toBe('http://[2001:db8::1]:443/x?q=1')
  })

  it('a trusted peer with no forwarded headers: the request URL', () => {
    expect(resolveRequestURL(request({}), rules())).toBe(INTERNAL)
  })

  it('Fetch Headers work as records do', () => {
    const headers = new Headers({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' })
    expect(resolveRequestURL(request(headers), rules())).toBe('https://api.example.com/x?q=1')
  })

  it('C34 publicUrl replaces the origin and adds its path prefix, for every peer; forwarded headers are then ignored', () => {
    const fixed = rules(['10.0.0.0/8'], 'https://api.example.com/base/')
    const headers = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }
    expect(resolveRequestURL(request(headers, PROXY), fixed)).toBe('https://api.example.com/base/x?q=1')
    expect(resolveRequestURL(request(headers, '203.0.113.9'), fixed)).toBe('https://api.example.com/base/x?q=1')
    expect(resolveRequestURL(request({}, null), rules([], 'https://api.example.com'))).toBe('https://api.example.com/x?q=1')
  })

  it('a request URL that is not absolute is refused as an invalid request, not an unexpected error', () => {
    for (const url of ['/x', '', 'not a url']) {
      let caught: unknown
      try {
        resolveRequestURL(request({}, PROXY, url), rules())
      } catch (error) {
        caught = error
      }
      expect(caught).toMatchObject({ name: 'GuardError', code: 'ERR_REQUEST_INVALID', status: 400 })
    }
  })
})

describe('dot segments in the request path', () => {
  /** The definition, spelled out: some segment, with every `%2e` (any case) read as `.`, is `.` or `..`. */
  const hasDotSegment = (path: string) =>
    path.split('/').some((segment) => {
      const plain = segment.replace(/%2e/gi, '.')
      return plain === '.' || plain === '..'
    })
  /** What `readRequestURLParts` says of a path: accepted, or refused for dot segments (anything else fails the test). */
  const refusesForDotSegments = (path: string) => {
    try {
      readRequestURLParts(`https://api.example${path}?q=1`)
      return false
    } catch (error) {
      if (isGuardError(error) && error.description === 'the request path has dot segments ("." or "..")') return true
      throw error
    }
  }

  it('refuses exactly the paths with a "." or ".." segment, spelled out or percent-encoded in any case', () => {
    const path = fc.array(fc.constantFrom('/', '.', '%2e', '%2E', '%', '2', 'e', 'E', 'a', '..', '%2e%2e'), { maxLength: 12 }).map((parts) => `/${parts.join('')}`)
    fc.assert(fc.property(path, (p) => refusesForDotSegments(p) === hasDotSegment(p)), { numRuns: 20_000 })
  })

  it.each([
    ['/a/./b', true], ['/a/../b', true], ['/a/%2E%2e/b', true], ['/a/.%2e', true], ['/%2e', true], ['/a/...', false],
    ['/a/%2e%2e%2e/b', false], ['/a/.b/', false], ['/a/b.', false], ['/a/%2e.x', false], ['/a/%2/e', false], ['/', false], ['/a//b', false],
  ])('%s: refused for dot segments %s', (path, refused) => {
    expect(refusesForDotSegments(path)).toBe(refused)
    expect(hasDotSegment(path)).toBe(refused)
  })
})
