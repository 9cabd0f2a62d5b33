/**
 * Client certificates forwarded by a TLS-terminating proxy (RFC 8705 §6.5): the header formats of
 * nginx, Envoy, AWS ALB and RFC 9440, and the rule that such a header is believed only from a peer
 * in `proxy.trusted`. standards.md MTLS-06, attacks.md D05–D14.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, createTestCertificate, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { readCertificateHeader, type CertificateHeader, type ForwardedCertificate } from '../../src/request/read-certificate-header.js'
import type { GuardOptions } from '../../src/options/types.js'
import type { RequestLike } from '../../src/types.js'
import { createGuard } from '../../src/node/index.js'
import {
  FIXTURE_PEM,
  FIXTURE_THUMBPRINT,
  albChain,
  certificateBoundToken,
  hexSHA256,
  mtlsOptions,
  nginxEscaped,
  nginxMultiLine,
  rfc9440,
  xfccElement,
} from '../support/mtls-kit.js'
import { API, requestLike, expectRefusal, invalidToken, INVALID_TOKEN_CHALLENGE } from '../support/kit.js'

let issuer: LocalIssuer
let client: TestCertificate
let intermediate: TestCertificate
let attacker: TestCertificate
beforeAll(async () => {
  issuer = await createLocalIssuer()
  client = createTestCertificate('client')
  intermediate = createTestCertificate('intermediate-ca')
  attacker = createTestCertificate('attacker')
})
afterAll(() => issuer.close())

const NGINX: CertificateHeader = { name: 'x-ssl-client-cert', format: 'nginx' }
const ENVOY: CertificateHeader = { name: 'x-forwarded-client-cert', format: 'envoy' }
const ALB: CertificateHeader = { name: 'x-amzn-mtls-clientcert', format: 'aws-alb' }
const RFC9440: CertificateHeader = { name: 'client-cert', format: 'rfc9440' }

/** What `readCertificateHeader` makes of `value` in `header`, as comparable text. */
function read(header: CertificateHeader, value: string | string[] | Headers): string | undefined {
  const headers = value instanceof Headers ? value : { [header.name]: value }
  const request: RequestLike = { method: 'GET', url: API, headers }
  return describeForwarded(readCertificateHeader(request, header, 1))
}

function describeForwarded(forwarded: ForwardedCertificate | undefined): string | undefined {
  if (forwarded === undefined) return undefined
  return 'der' in forwarded ? `der:${Buffer.from(forwarded.der).toString('hex')}` : `thumbprint:${forwarded.thumbprint}`
}

const derOf = (certificate: TestCertificate) => `der:${Buffer.from(certificate.der).toString('hex')}`

describe('readCertificateHeader', () => {
  it('D07 nginx $ssl_client_escaped_cert (URL-encoded PEM) gives the DER', () => {
    expect(read(NGINX, nginxEscaped(client.cert))).toBe(derOf(client))
  })

  it('D07 nginx deprecated $ssl_client_cert (multi-line, tab-continued) gives the DER', () => {
    const value = nginxMultiLine(client.cert)
    expect(value).toContain('\n\t')
    expect(read(NGINX, value)).toBe(derOf(client))
  })

  it('D07 a double-encoded value is refused', () => {
    expect(read(NGINX, encodeURIComponent(nginxEscaped(client.cert)))).toBeUndefined()
  })

  it('D07 broken percent-encoding, a truncated PEM, or two certificates joined by a comma are refused', () => {
    const escaped = nginxEscaped(client.cert)
    expect(read(NGINX, `${escaped}%E0%A4%A`)).toBeUndefined()
    expect(read(NGINX, escaped.slice(0, escaped.length / 2))).toBeUndefined()
    expect(read(NGINX, escaped.replace('CERTIFICATE', 'PRIVATE%20KEY'))).toBeUndefined()
    // Fetch Headers joins a repeated field with ", ": the client's own header and the proxy's must not become "the first wins".
    const joined = new Headers()
    joined.append(NGINX.name, nginxEscaped(attacker.cert))
    joined.append(NGINX.name, nginxEscaped(client.cert))
    expect(read(NGINX, joined)).toBeUndefined()
    const alb = new Headers()
    alb.append(ALB.name, albChain(attacker.cert))
    alb.append(ALB.name, albChain(client.cert, intermediate.cert))
    expect(read(ALB, alb)).toBeUndefined()
    // nginx forwards the leaf alone: a value with two certificates is not what it sends.
    expect(read(NGINX, nginxEscaped(`${attacker.cert}${client.cert}`))).toBeUndefined()
  })

  it('D12 Apache\'s "(null)" and an empty value count as no certificate', () => {
    for (const header of [NGINX, ENVOY, ALB, RFC9440]) {
      expect(read(header, '(null)')).toBeUndefined()
      expect(read(header, '')).toBeUndefined()
      expect(read(header, '   ')).toBeUndefined()
    }
  })

  it('D13 a PEM whose newlines became spaces is normalized and read', () => {
    const spaced = client.cert.trim().replace(/\n/g, ' ')
    expect(spaced).not.toContain('\n')
    expect(read(NGINX, spaced)).toBe(derOf(client))
    expect(read(NGINX, nginxEscaped(spaced))).toBe(derOf(client))
  })

  it('D08 Envoy XFCC: of several elements only the last (added by the nearest proxy) counts', () => {
    const spoofed = xfccElement({ hash: hexSHA256(attacker.der), cert: attacker.cert, subject: 'CN=attacker' })
    const genuine = xfccElement({ by: 'spiffe://cluster.local/ns/api/sa/api', hash: hexSHA256(client.der), cert: client.cert, subject: 'CN=client,O=Example, Inc.' })
    expect(read(ENVOY, `${spoofed},${genuine}`)).toBe(derOf(client))
    expect(read(ENVOY, `${genuine},${spoofed}`)).toBe(derOf(attacker))
    // Quoted values may hold `,`, `;` and escaped quotes without splitting the element.
    const quoted = xfccElement({ subject: 'CN=a,b;c "d"', cert: client.cert, uri: 'spiffe://client' })
    expect(quoted).toContain('\\"d\\"')
    expect(read(ENVOY, `${spoofed},${quoted}`)).toBe(derOf(client))
    // A last element without Cert or Hash means the nearest proxy saw no certificate: earlier elements are not used.
    expect(read(ENVOY, `${genuine},By=spiffe://cluster.local/ns/edge/sa/edge;URI=spiffe://client`)).toBeUndefined()
    expect(read(ENVOY, `${genuine},`)).toBeUndefined()
  })

  it('D08 Envoy XFCC: Cert= is hashed by us and preferred over Hash=', () => {
    const element = xfccElement({ hash: hexSHA256(attacker.der), cert: client.cert })
    expect(read(ENVOY, element)).toBe(derOf(client))
    // An unreadable Cert= is no certificate, never a reason to fall back to Hash=.
    expect(read(ENVOY, `Hash=${hexSHA256(client.der)};Cert="${encodeURIComponent(encodeURIComponent(client.cert))}"`)).toBeUndefined()
    // Envoy writes one Cert and one Hash per element, and only the leaf in Cert (the chain goes in Chain=).
    expect(read(ENVOY, `${xfccElement({ cert: client.cert })};Cert="${encodeURIComponent(attacker.cert)}"`)).toBeUndefined()
    expect(read(ENVOY, `Hash=${hexSHA256(attacker.der)};Hash=${hexSHA256(client.der)}`)).toBeUndefined()
    expect(read(ENVOY, xfccElement({ cert: `${client.cert}${intermediate.cert}` }))).toBeUndefined()
    expect(read(ENVOY, `${xfccElement({ cert: client.cert })};Chain="${encodeURIComponent(`${client.cert}${intermediate.cert}`)}"`)).toBe(derOf(client))
  })

  it('D08 Envoy XFCC: Hash= alone is the hex SHA-256 of the DER', () => {
    expect(read(ENVOY, xfccElement({ by: 'spiffe://api', hash: hexSHA256(client.der) }))).toBe(`thumbprint:${client.thumbprint}`)
    expect(read(ENVOY, `Hash=${hexSHA256(client.der).toUpperCase()}`)).toBe(`thumbprint:${client.thumbprint}`)
    for (const hash of [client.thumbprint, hexSHA256(client.der).slice(2), `${hexSHA256(client.der)}00`, 'zz'.repeat(32)]) {
      expect(read(ENVOY, `Hash=${hash}`)).toBeUndefined()
    }
  })

  it('D09 AWS ALB x-amzn-mtls-clientcert: URL-encoded PEM chain, leaf first → the leaf', () => {
    const value = albChain(client.cert, intermediate.cert)
    expect(value).toMatch(/^-----BEGIN%20CERTIFICATE-----/)
    expect(read(ALB, value)).toBe(derOf(client))
    expect(read(ALB, albChain(client.cert))).toBe(derOf(client))
  })

  it('D11 HAProxy: bare base64 DER is refused; the RFC 9440 form :base64: is read', () => {
    const base64 = Buffer.from(client.der).toString('base64')
    expect(read(RFC9440, base64)).toBeUndefined()
    expect(read(RFC9440, `:${base64}:`)).toBe(derOf(client))
  })

  it('RFC 9440 client-cert: a byte sequence of the DER; anything else is refused', () => {
    expect(read(RFC9440, rfc9440(client.der))).toBe(derOf(client))
    expect(read(RFC9440, rfc9440(client.der).replace(/=+:$/, ':'))).toBe(derOf(client))
    const base64url = Buffer.from(client.der).toString('base64url')
    for (const value of [`:${base64url}-_:`, nginxEscaped(client.cert), `:${Buffer.from(client.der).toString('base64')}`, '::', `${rfc9440(client.der)}, ${rfc9440(attacker.der)}`]) {
      expect(read(RFC9440, value)).toBeUndefined()
    }
  })

  it('a repeated header field is refused, not judged on one of its values', () => {
    expect(read(NGINX, [nginxEscaped(attacker.cert), nginxEscaped(client.cert)])).toBeUndefined()
    expect(read(RFC9440, [rfc9440(client.der), rfc9440(client.der)])).toBeUndefined()
  })

  it('the header name is matched case-insensitively', () => {
    const request: RequestLike = { method: 'GET', url: API, headers: { 'X-SSL-Client-Cert': nginxEscaped(client.cert) } }
    expect(describeForwarded(readCertificateHeader(request, NGINX, 1))).toBe(derOf(client))
  })
})

describe('certificates from a trusted proxy', () => {
  const proxiedGuard = (certificateHeader: NonNullable<NonNullable<GuardOptions['proxy']>['certificateHeader']>, trusted: string[] = ['loopback']) =>
    createGuard(mtlsOptions(issuer, { proxy: { trusted, certificateHeader } }))

  it('D07 nginx escaped PEM gives the right thumbprint (fixture → §13.3 value)', async () => {
    const guard = proxiedGuard('x-ssl-client-cert')
    const token = await certificateBoundToken(issuer, FIXTURE_THUMBPRINT)
    const auth = await guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': nginxEscaped(FIXTURE_PEM) } }))
    expect(auth.binding).toEqual({ mtls: { x5tS256: FIXTURE_THUMBPRINT } })
  })

  it('D07 the deprecated multi-line form is accepted; a double-encoded one → 401 invalid_token', async () => {
    const guard = proxiedGuard('x-ssl-client-cert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const forwarded = (value: string) => requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': value } })
    await expect(guard.verify(forwarded(nginxMultiLine(client.cert)))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    await expectRefusal(guard.verify(forwarded(encodeURIComponent(nginxEscaped(client.cert)))), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('D08 Envoy XFCC through the guard: the last element counts, Cert over Hash, Hash alone accepted', async () => {
    const guard = proxiedGuard('x-forwarded-client-cert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const forwarded = (value: string) => requestLike({ token: token, peerAddress: '::1', headers: { 'x-forwarded-client-cert': value } })
    const spoofed = xfccElement({ cert: attacker.cert, hash: hexSHA256(attacker.der) })
    const genuine = xfccElement({ by: 'spiffe://api', hash: hexSHA256(client.der), cert: client.cert, subject: 'CN=client' })
    await expect(guard.verify(forwarded(`${spoofed},${genuine}`))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    await expectRefusal(guard.verify(forwarded(`${genuine},${spoofed}`)), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    await expectRefusal(guard.verify(forwarded(xfccElement({ hash: hexSHA256(client.der), cert: attacker.cert }))), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
    await expect(guard.verify(forwarded(xfccElement({ hash: hexSHA256(client.der) })))).resolves.toMatchObject({
      binding: { mtls: { x5tS256: client.thumbprint } },
    })
  })

  it('D09 AWS ALB chain: the thumbprint is over the leaf', async () => {
    const guard = proxiedGuard('x-amzn-mtls-clientcert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const request = requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-amzn-mtls-clientcert': albChain(client.cert, intermediate.cert) } })
    await expect(guard.verify(request)).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    const chainBound = await certificateBoundToken(issuer, intermediate.thumbprint)
    await expectRefusal(guard.verify({ ...request, headers: { ...request.headers, authorization: `Bearer ${chainBound}` } }), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
  })

  it('D10 a format the guard does not know (Traefik PEM without delimiters) is never misread → 401 invalid_token', async () => {
    const guard = proxiedGuard({ name: 'x-forwarded-tls-client-cert', format: 'nginx' })
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const traefik = encodeURIComponent(client.cert.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''))
    await expectRefusal(guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-forwarded-tls-client-cert': traefik } })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('D11 HAProxy sending :%[ssl_c_der,base64]: in a custom header (format rfc9440) is read', async () => {
    const guard = proxiedGuard({ name: 'X-Client-Cert-DER', format: 'rfc9440' })
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const request = (value: string) => requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-client-cert-der': value } })
    await expect(guard.verify(request(rfc9440(client.der)))).resolves.toMatchObject({ binding: { mtls: { x5tS256: client.thumbprint } } })
    await expectRefusal(guard.verify(request(Buffer.from(client.der).toString('base64'))), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('D12 Apache "(null)" from a trusted proxy → no certificate → 401 invalid_token', async () => {
    const guard = proxiedGuard('x-ssl-client-cert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    await expectRefusal(guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': '(null)' } })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('D13 a PEM with newlines turned into spaces gives the right thumbprint', async () => {
    const guard = proxiedGuard('x-ssl-client-cert')
    const token = await certificateBoundToken(issuer, FIXTURE_THUMBPRINT)
    const spaced = FIXTURE_PEM.trim().replace(/\n/g, ' ')
    const auth = await guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': spaced } }))
    expect(auth.binding.mtls).toEqual({ x5tS256: FIXTURE_THUMBPRINT })
  })

  it('D14 a chain in the wrong order (intermediate first): the first certificate is taken as the leaf → 401 invalid_token', async () => {
    const guard = proxiedGuard('x-amzn-mtls-clientcert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    await expectRefusal(guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-amzn-mtls-clientcert': albChain(intermediate.cert, client.cert) } })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
  })

  it('RFC 9440 client-cert from a trusted proxy gives the right thumbprint', async () => {
    const guard = proxiedGuard('client-cert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const auth = await guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'client-cert': rfc9440(client.der) } }))
    expect(auth.binding.mtls).toEqual({ x5tS256: client.thumbprint })
  })

  it('a custom { name, format } header is read under its own name only', async () => {
    const guard = proxiedGuard({ name: 'X-Client-Certificate', format: 'nginx' })
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const auth = await guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-client-certificate': nginxEscaped(client.cert) } }))
    expect(auth.binding.mtls).toEqual({ x5tS256: client.thumbprint })
    await expectRefusal(guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': nginxEscaped(client.cert) } })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('D05 spoofed certificate headers from an untrusted peer are ignored → 401 ERR_MTLS_CERTIFICATE_MISSING', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const spoofs: Array<[NonNullable<GuardOptions['proxy']>, Record<string, string>]> = [
      [{ trusted: ['10.0.0.0/8'], certificateHeader: 'x-ssl-client-cert' }, { 'x-ssl-client-cert': nginxEscaped(client.cert) }],
      [{ trusted: ['10.0.0.0/8'], certificateHeader: 'x-forwarded-client-cert' }, { 'x-forwarded-client-cert': xfccElement({ cert: client.cert }) }],
      [{ trusted: ['10.0.0.0/8'], certificateHeader: 'x-amzn-mtls-clientcert' }, { 'x-amzn-mtls-clientcert': albChain(client.cert) }],
      [{ trusted: ['10.0.0.0/8'], certificateHeader: 'client-cert' }, { 'client-cert': rfc9440(client.der) }],
    ]
    for (const [proxy, headers] of spoofs) {
      const guard = createGuard(mtlsOptions(issuer, { proxy }))
      for (const peerAddress of ['203.0.113.7', '127.0.0.1', '::1', '11.0.0.1', '::ffff:203.0.113.7', 'not-an-ip', '']) {
        await expectRefusal(guard.verify(requestLike({ token: token, peerAddress, headers })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
      }
      // No peer address at all (a Fetch Request, or an adapter that does not know it): never trusted.
      await expectRefusal(guard.verify(requestLike({ token: token, headers })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
    }
  })

  it('D05 without proxy.certificateHeader no header is read, whatever the peer; without proxy.trusted none is believed', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const headers = {
      'x-ssl-client-cert': nginxEscaped(client.cert),
      'x-forwarded-client-cert': xfccElement({ cert: client.cert }),
      'x-amzn-mtls-clientcert': albChain(client.cert),
      'client-cert': rfc9440(client.der),
      'x-ssl-cert': nginxEscaped(client.cert),
      'ssl-client-cert': nginxEscaped(client.cert),
    }
    for (const proxy of [undefined, { trusted: ['loopback'] }]) {
      const guard = createGuard(mtlsOptions(issuer, proxy === undefined ? {} : { proxy }))
      await expectRefusal(guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
    }
    // A certificate header with nobody trusted to send it could never apply: refused at creation.
    expect(() => createGuard(mtlsOptions(issuer, { proxy: { certificateHeader: 'x-ssl-client-cert' } }))).toThrow(/"proxy.certificateHeader" is read only from trusted proxies/)
  })

  it('MTLS-06 the forwarded certificate counts only from a trusted peer: IPv4, IPv6, v4-mapped, CIDR, loopback', async () => {
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const headers = { 'x-ssl-client-cert': nginxEscaped(client.cert) }
    const cases: Array<{ trusted: string[]; yes: string[]; no: string[] }> = [
      { trusted: ['loopback'], yes: ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '[::1]'], no: ['10.0.0.1', '::2', '128.0.0.1'] },
      { trusted: ['192.0.2.10'], yes: ['192.0.2.10', '::ffff:192.0.2.10', '::ffff:c000:20a'], no: ['192.0.2.11', '127.0.0.1', '192.0.2.1'] },
      { trusted: ['10.0.0.0/8'], yes: ['10.0.0.1', '10.255.255.254', '::ffff:10.1.2.3'], no: ['11.0.0.1', '9.255.255.255', '::1', '127.0.0.1'] },
      { trusted: ['2001:db8::/32'], yes: ['2001:db8::1', '2001:DB8:ffff::5', '2001:db8::1%eth0'], no: ['2001:db9::1', '10.0.0.1', '::ffff:10.0.0.1'] },
      { trusted: ['2001:db8::7', '172.16.0.0/12'], yes: ['2001:db8::7', '172.31.0.1'], no: ['2001:db8::8', '172.32.0.1'] },
    ]
    for (const { trusted, yes, no } of cases) {
      const guard = createGuard(mtlsOptions(issuer, { proxy: { trusted, certificateHeader: 'x-ssl-client-cert' } }))
      for (const peerAddress of yes) {
        const auth = await guard.verify(requestLike({ token: token, peerAddress, headers }))
        expect(auth.binding.mtls, `${peerAddress} in ${trusted.join(',')}`).toEqual({ x5tS256: client.thumbprint })
      }
      for (const peerAddress of no) {
        await expectRefusal(guard.verify(requestLike({ token: token, peerAddress, headers })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
      }
    }
  })

  it('MTLS-06 a trusted proxy forwarding another certificate → 401 invalid_token (the stolen-token case through a proxy)', async () => {
    const guard = proxiedGuard('x-ssl-client-cert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    await expectRefusal(guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers: { 'x-ssl-client-cert': nginxEscaped(attacker.cert) } })), invalidToken('ERR_MTLS_CERTIFICATE_MISMATCH', INVALID_TOKEN_CHALLENGE))
  })

  it('a repeated certificate header from a trusted peer → no certificate → 401 invalid_token', async () => {
    const guard = proxiedGuard('x-ssl-client-cert')
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const headers = { 'x-ssl-client-cert': [nginxEscaped(client.cert), nginxEscaped(client.cert)] }
    await expectRefusal(guard.verify(requestLike({ token: token, peerAddress: '127.0.0.1', headers })), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })

  it('a Fetch Request carries no peer address, so its certificate headers are never believed', async () => {
    const guard = proxiedGuard('x-ssl-client-cert', ['0.0.0.0/0', '::/0'])
    const token = await certificateBoundToken(issuer, client.thumbprint)
    const request = new Request(API, { headers: { authorization: `Bearer ${token}`, 'x-ssl-client-cert': nginxEscaped(client.cert) } })
    await expectRefusal(guard.verify(request), invalidToken('ERR_MTLS_CERTIFICATE_MISSING', INVALID_TOKEN_CHALLENGE))
  })
})

describe('option proxy.certificateHeader', () => {
  const options = (proxy: unknown) => mtlsOptions(issuer, { proxy: proxy as NonNullable<GuardOptions['proxy']> })

  it('takes the four built-in names, in any case', () => {
    for (const name of ['x-forwarded-client-cert', 'x-amzn-mtls-clientcert', 'x-ssl-client-cert', 'client-cert', 'X-SSL-Client-Cert']) {
      expect(() => createGuard(options({ trusted: ['loopback'], certificateHeader: name }))).not.toThrow()
    }
    for (const format of ['envoy', 'aws-alb', 'nginx', 'rfc9440']) {
      expect(() => createGuard(options({ trusted: ['loopback'], certificateHeader: { name: 'x-client-cert', format } }))).not.toThrow()
    }
  })

  it('an unknown built-in name → TypeError naming the option', () => {
    for (const name of ['x-client-cert', 'ssl-client-cert', 'X-Forwarded-Tls-Client-Cert', '']) {
      expect(() => createGuard(options({ trusted: ['loopback'], certificateHeader: name }))).toThrow(
        new TypeError(
          'fapi-guard: option "proxy.certificateHeader" must be one of x-forwarded-client-cert, x-amzn-mtls-clientcert, x-ssl-client-cert, client-cert, or { name, format }',
        ),
      )
    }
  })

  it('an unknown format → TypeError naming proxy.certificateHeader.format', () => {
    for (const format of ['pem', 'traefik', undefined, 'NGINX', 42]) {
      expect(() => createGuard(options({ trusted: ['loopback'], certificateHeader: { name: 'x-client-cert', format } }))).toThrow(
        new TypeError('fapi-guard: option "proxy.certificateHeader.format" must be one of envoy, aws-alb, nginx, rfc9440'),
      )
    }
  })

  it('a header name that is not an HTTP token, or a value of another type → TypeError', () => {
    for (const certificateHeader of [{ name: 'x client cert', format: 'nginx' }, { name: '', format: 'nginx' }, { name: 'x:y', format: 'nginx' }, { format: 'nginx' }, 42, ['x-ssl-client-cert'], null]) {
      expect(() => createGuard(options({ trusted: ['loopback'], certificateHeader }))).toThrow(TypeError)
    }
  })

  it('an unreadable proxy.trusted entry → TypeError', () => {
    for (const entry of ['10.0.0.0/33', '300.1.1.1', 'localhost', '::1/129', '10.0.0.1/8/1']) {
      expect(() => createGuard(options({ trusted: [entry], certificateHeader: 'x-ssl-client-cert' }))).toThrow(TypeError)
    }
  })
})
