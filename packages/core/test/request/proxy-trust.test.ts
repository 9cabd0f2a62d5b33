/**
 * `proxy.trusted` (which peers' forwarded headers are believed): `compileTrustedProxies` on its own,
 * then attacks.md C34/C35 through `guard.verify` on both entry points — the URL a DPoP proof's `htu`
 * is checked against comes from forwarded headers only when the peer is a trusted proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { compileTrustedProxies, parseIP } from '../../src/request/proxy-trust.js'
import type { RequestLike } from '../../src/types.js'
import { createGuard } from '../../src/node/index.js'
import { createClient, guardOptions, invalidProof, type Client } from '../support/dpop-kit.js'
import { TestClock, requestLike, expectRefusal } from '../support/kit.js'

function matcher(...entries: string[]) {
  const { matcher: match, invalid } = compileTrustedProxies(entries)
  expect(invalid).toEqual([])
  return match
}

describe('compileTrustedProxies', () => {
  it('an IPv4 address trusts exactly that address', () => {
    const trusted = matcher('10.1.2.3')
    expect(trusted('10.1.2.3')).toBe(true)
    for (const address of ['10.1.2.4', '10.1.2.30', '110.1.2.3', '10.1.2.3.4', '::ffff:10.1.2.4']) expect(trusted(address)).toBe(false)
    expect(trusted('::ffff:10.1.2.3')).toBe(true)
  })

  it('an IPv4 CIDR trusts its range, also off byte boundaries', () => {
    const tenSlash8 = matcher('10.0.0.0/8')
    for (const address of ['10.0.0.0', '10.0.0.5', '10.255.255.255']) expect(tenSlash8(address)).toBe(true)
    for (const address of ['11.0.0.0', '9.255.255.255', '192.168.0.1']) expect(tenSlash8(address)).toBe(false)
    const private12 = matcher('172.16.0.0/12')
    expect(private12('172.16.0.1')).toBe(true)
    expect(private12('172.31.255.255')).toBe(true)
    expect(private12('172.32.0.0')).toBe(false)
    expect(private12('172.15.255.255')).toBe(false)
    const slash31 = matcher('192.0.2.6/31')
    expect([slash31('192.0.2.6'), slash31('192.0.2.7'), slash31('192.0.2.5'), slash31('192.0.2.8')]).toEqual([true, true, false, false])
    const all = matcher('0.0.0.0/0')
    expect(all('203.0.113.9')).toBe(true)
    expect(all('2001:db8::1')).toBe(false)
  })

  it('an IPv6 address trusts that address in any spelling (case, zeros, brackets, zone)', () => {
    const trusted = matcher('2001:db8::1')
    for (const address of ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8::0001', '[2001:db8::1]', '2001:db8::1%eth0']) {
      expect(trusted(address)).toBe(true)
    }
    for (const address of ['2001:db8::2', '2001:db8:1::1', '::1']) expect(trusted(address)).toBe(false)
  })

  it('an IPv6 CIDR trusts its range', () => {
    const trusted = matcher('2001:db8::/32', 'fd00::/8')
    for (const address of ['2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'fd12:3456::1']) expect(trusted(address)).toBe(true)
    for (const address of ['2001:db9::1', 'fe80::1', '10.0.0.1']) expect(trusted(address)).toBe(false)
    const slash127 = matcher('2001:db8::/127')
    expect([slash127('2001:db8::'), slash127('2001:db8::1'), slash127('2001:db8::2')]).toEqual([true, true, false])
  })

  it('"loopback" trusts 127.0.0.0/8, ::1, and v4-mapped ::ffff:127.0.0.1', () => {
    const trusted = matcher('loopback')
    for (const address of ['127.0.0.1', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::ffff:127.0.0.1', '::FFFF:7f00:1']) {
      expect(trusted(address)).toBe(true)
    }
    for (const address of ['128.0.0.1', '::2', '::127.0.0.1', '::ffff:128.0.0.1', '10.0.0.1', 'localhost']) expect(trusted(address)).toBe(false)
  })

  it('v4-mapped IPv6 addresses and entries compare as IPv4', () => {
    expect(parseIP('::ffff:10.0.0.1')).toEqual(Uint8Array.of(10, 0, 0, 1))
    expect(parseIP('::ffff:a00:1')).toEqual(Uint8Array.of(10, 0, 0, 1))
    const trusted = matcher('::ffff:10.0.0.0', '::ffff:192.168.0.1')
    expect(trusted('10.0.0.0')).toBe(true)
    expect(trusted('192.168.0.1')).toBe(true)
    expect(trusted('::ffff:192.168.0.1')).toBe(true)
  })

  it('invalid entries are reported, every one, and trust nothing', () => {
    const entries = [
      '10.0.0.0/33',
      '256.1.1.1',
      '10.0.0',
      '01.2.3.4',
      '1.2.3.4/8/9',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/x',
      '::1/129',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '::ffff:0:0/96',
      'example.com',
      'localhost',
      '',
      'loopback ',
      ' 10.0.0.1',
      '*',
      '[10.0.0.1]',
      '10.0.0.1%lo',
    ]
    const { matcher: trusted, invalid } = compileTrustedProxies(['10.9.9.9', ...entries])
    expect(invalid).toEqual(entries)
    expect(trusted('10.9.9.9')).toBe(true)
    expect(trusted('10.0.0.1')).toBe(false)
    expect(compileTrustedProxies([42 as unknown as string]).invalid).toEqual(['42'])
  })

  it('untrusted, malformed and missing peer addresses are never trusted', () => {
    const trusted = matcher('10.0.0.0/8', 'loopback', '2001:db8::/32')
    for (const address of ['203.0.113.9', '', 'not-an-ip', '10.0.0.1.5', '10.0.0.256', '10.0.0.1/8', '::ffff:203.0.113.9', ':::1']) {
      expect(trusted(address)).toBe(false)
    }
    // Brackets only as one pair around IPv6, zones only on IPv6.
    for (const address of ['[10.0.0.1', '10.0.0.1]', '[10.0.0.1]', '[::1', '::1]', '[[::1]]', '10.0.0.1%eth0', '::1%']) {
      expect(trusted(address)).toBe(false)
    }
    expect(trusted(undefined)).toBe(false)
    const none = compileTrustedProxies([])
    expect(none.matcher('127.0.0.1')).toBe(false)
    expect(none.matcher(undefined)).toBe(false)
  })
})

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const PUBLIC = 'https://api.example.com/x'
const INTERNAL = 'http://10.0.0.5:8080/x'
const PROXY = '10.0.0.7'
const OUTSIDER = '203.0.113.9'

describe('forwarded headers and htu through guard.verify', () => {
  const clock = new TestClock()
  let client: Client

  beforeAll(async () => {
    client = await createClient(issuer, clock)
  })

  /** The RS sees INTERNAL from `peerAddress`; the client signed `htu`. */
  async function behindProxy(htu: string, headers: Record<string, string>, peerAddress?: string): Promise<RequestLike> {
    const proof = await createDPoPProof({ key: client.key, method: 'GET', url: htu, accessToken: client.token, iat: clock.seconds })
    return requestLike({ scheme: 'DPoP', token: client.token, proof, url: INTERNAL, headers, ...(peerAddress !== undefined && { peerAddress }) })
  }

  const xForwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }

  it('C34 behind a trusted TLS-terminating proxy, X-Forwarded-Proto/Host rebuild the URL the client signed', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/8'] } }))
    await expect(guard.verify(await behindProxy(PUBLIC, xForwarded, PROXY))).resolves.toBeDefined()
    // RFC 7239 `Forwarded` is read only when the proxies are said to write it (and then X-Forwarded-* is not).
    const rfc7239 = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/8'], forwardedHeaders: 'forwarded' } }))
    await expect(rfc7239.verify(await behindProxy(PUBLIC, { forwarded: 'for=198.51.100.17;proto=https;host=api.example.com' }, PROXY))).resolves.toBeDefined()
    await expectRefusal(guard.verify(await behindProxy(PUBLIC, { forwarded: 'for=198.51.100.17;proto=https;host=api.example.com' }, PROXY)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    await expectRefusal(rfc7239.verify(await behindProxy(PUBLIC, xForwarded, PROXY)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    await expect(
      guard.verify(await behindProxy('https://api.example.com/prefix/x', { ...xForwarded, 'x-forwarded-prefix': '/prefix' }, PROXY)),
    ).resolves.toBeDefined()
    await expect(
      guard.verify(await behindProxy('https://api.example.com:8443/x', { ...xForwarded, 'x-forwarded-port': '8443' }, PROXY)),
    ).resolves.toBeDefined()
    // A trusted peer that forwards nothing: the request's own URL.
    await expect(guard.verify(await behindProxy(INTERNAL, {}, PROXY))).resolves.toBeDefined()
  })

  it('C34 a trusted loopback or IPv6 proxy, and a v4-mapped peer address, are believed too', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['loopback', '2001:db8::/32', '10.0.0.0/8'] } }))
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '2001:db8::17', '::ffff:10.0.0.7']) {
      await expect(guard.verify(await behindProxy(PUBLIC, xForwarded, peer))).resolves.toBeDefined()
    }
  })

  it('C34 with a configured publicUrl the URL is the public one, whoever the peer', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { publicUrl: 'https://api.example.com' } }))
    await expect(guard.verify(await behindProxy(PUBLIC, {}, OUTSIDER))).resolves.toBeDefined()
    await expect(guard.verify(await behindProxy(PUBLIC, {}))).resolves.toBeDefined()
    // Forwarded headers cannot move it elsewhere, even from a peer that would be trusted.
    const both = createGuard(guardOptions(issuer, clock, { proxy: { publicUrl: 'https://api.example.com/base/', trusted: ['10.0.0.0/8'] } }))
    await expect(both.verify(await behindProxy('https://api.example.com/base/x', { 'x-forwarded-host': 'evil.example' }, PROXY))).resolves.toBeDefined()
    await expectRefusal(both.verify(await behindProxy('https://evil.example/x', { 'x-forwarded-host': 'evil.example' }, PROXY)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('C35 the same forwarded headers from an untrusted peer are ignored: htu for the public URL is refused', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/8'] } }))
    for (const headers of [xForwarded, { forwarded: 'proto=https;host=api.example.com' }]) {
      await expectRefusal(guard.verify(await behindProxy(PUBLIC, headers, OUTSIDER)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
      await expectRefusal(guard.verify(await behindProxy(PUBLIC, headers)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
      await expectRefusal(guard.verify(await behindProxy(PUBLIC, headers, 'not-an-ip')), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    }
    // Without any proxy configuration nobody is trusted, not even loopback.
    const plain = createGuard(guardOptions(issuer, clock))
    await expectRefusal(plain.verify(await behindProxy(PUBLIC, xForwarded, '127.0.0.1')), invalidProof('ERR_DPOP_HTU_MISMATCH'))
  })

  it('C35 a spoofed X-Forwarded-Host: evil.example sent straight by a client is ignored', async () => {
    const guard = createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/8'] } }))
    const spoofed = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }
    await expectRefusal(guard.verify(await behindProxy('https://evil.example/x', spoofed, OUTSIDER)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    await expectRefusal(guard.verify(await behindProxy('https://evil.example/x', { forwarded: 'host=evil.example;proto=https' }, OUTSIDER)), invalidProof('ERR_DPOP_HTU_MISMATCH'))
    // The request's own URL still works for that client.
    await expect(guard.verify(await behindProxy(INTERNAL, spoofed, OUTSIDER))).resolves.toBeDefined()
  })

  it('proxy.trusted entries are checked when the guard is created', () => {
    expect(() => createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['10.0.0.0/33'] } }))).toThrow(/proxy\.trusted.*10\.0\.0\.0\/33/)
    expect(() => createGuard(guardOptions(issuer, clock, { proxy: { trusted: ['loopback', 'example.com'] } }))).toThrow(TypeError)
  })
})
