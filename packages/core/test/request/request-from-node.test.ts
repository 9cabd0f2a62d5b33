/**
 * `requestFromNode` on requests Node really parsed: raw HTTP/1.x written on a loopback socket, so
 * header names arrive in any case, repeated, or named like Object.prototype members.
 */
import type { IncomingMessage } from 'node:http'
import { serve, sendRaw } from '@fapi-guard/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { requestFromNode } from '../../src/node/request-from-node.js'
import { readHeaderValues } from '../../src/request/read-headers.js'
import { readRequestDefect } from '../../src/request/request-defect.js'
import type { RequestLike } from '../../src/types.js'

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

/** Sends `raw` to a server that records what `requestFromNode` made of the request. */
async function capture(raw: string): Promise<{ request: RequestLike; node: IncomingMessage }> {
  let captured: { request: RequestLike; node: IncomingMessage } | undefined
  const served = await serve((req, res) => {
    captured = { request: requestFromNode(req), node: req }
    res.end('ok')
  })
  close = served.close
  const reply = await sendRaw(served.port, raw)
  expect(reply.status).toBe(200)
  return captured as { request: RequestLike; node: IncomingMessage }
}

describe('requestFromNode', () => {
  it('keeps every occurrence of a repeated field apart, names in lower case, as headersDistinct does', async () => {
    const { request, node } = await capture(
      'GET /accounts?x=1 HTTP/1.1\r\nHost: api.example\r\nAuthorization: Bearer a\r\nDPoP: p1\r\nauthorization: DPoP b\r\ndpop: p2\r\nX-Custom: 1\r\nConnection: close\r\n\r\n',
    )
    expect(request.method).toBe('GET')
    expect(request.url).toBe('http://api.example/accounts?x=1')
    expect(request.peerAddress).toBe('127.0.0.1')
    expect(readHeaderValues(request.headers, 'authorization')).toEqual(['Bearer a', 'DPoP b'])
    expect(readHeaderValues(request.headers, 'dpop')).toEqual(['p1', 'p2'])
    expect({ ...request.headers }).toEqual({ ...node.headersDistinct })
  })

  it('marks a request with two Host fields as malformed (the guard refuses it), and takes the socket address when there is none', async () => {
    const twice = await capture('GET / HTTP/1.1\r\nHost: first.example\r\nHost: second.example\r\nConnection: close\r\n\r\n')
    expect(twice.node.headers.host).toBe('first.example')
    expect(readRequestDefect(twice.request)).toBe('the request has more than one Host header')
    expect(twice.request.url).not.toContain('example')
    const none = await capture('GET /x HTTP/1.0\r\n\r\n')
    expect(none.request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/x$/)
  })

  it('HOST-30 HTTP/2: the URL comes from :authority; a host field that disagrees with it makes the request malformed (RFC 9113 §8.3.1)', () => {
    const socket = { remoteAddress: '10.0.0.1' }
    const h2 = (rawHeaders: string[]) => requestFromNode({ method: 'GET', url: '/x', socket, rawHeaders } as unknown as IncomingMessage)
    expect(h2([':authority', 'api.example', ':path', '/x']).url).toBe('http://api.example/x')
    expect(h2([':authority', 'api.example', 'host', 'API.example']).url).toBe('http://api.example/x')
    expect(readRequestDefect(h2([':authority', 'api.example', 'host', 'other.example']))).toBe('the request has more than one Host header')
    expect(readRequestDefect(h2([':authority', 'api.example/admin?']))).toBe('the Host header is not a valid host[:port]')
  })

  it('reads headers named __proto__, constructor or toString as plain headers', async () => {
    const { request } = await capture(
      'GET / HTTP/1.1\r\nHost: api.example\r\n__proto__: a\r\nConstructor: b\r\ntoString: c\r\nhasOwnProperty: d\r\nConnection: close\r\n\r\n',
    )
    expect(readHeaderValues(request.headers, '__proto__')).toEqual(['a'])
    expect(readHeaderValues(request.headers, 'constructor')).toEqual(['b'])
    expect(readHeaderValues(request.headers, 'tostring')).toEqual(['c'])
    expect(readHeaderValues(request.headers, 'hasownproperty')).toEqual(['d'])
    expect(readHeaderValues(request.headers, 'authorization')).toEqual([])
  })

  it('reads a hand-made request without rawHeaders from headersDistinct, else headers; values that are not strings are left out', () => {
    const socket = { remoteAddress: '10.0.0.1' }
    const distinct = requestFromNode({ method: 'GET', url: '/x', socket, headersDistinct: { host: ['api.example'], authorization: ['Bearer a', 'Bearer b'] } } as unknown as IncomingMessage)
    expect(distinct.url).toBe('http://api.example/x')
    expect(readHeaderValues(distinct.headers, 'authorization')).toEqual(['Bearer a', 'Bearer b'])
    const plain = requestFromNode({ method: 'GET', url: '/y', socket, headers: { host: 'api.example', dpop: 'p', 'x-n': 5, 'x-u': undefined } } as unknown as IncomingMessage)
    expect(plain.url).toBe('http://api.example/y')
    expect(readHeaderValues(plain.headers, 'dpop')).toEqual(['p'])
    expect(Object.keys(plain.headers).sort()).toEqual(['dpop', 'host'])
    const raw = requestFromNode({ method: 'GET', url: '/z', socket, rawHeaders: ['Host', 'api.example', 'User-Agent', undefined, 'DPoP', 'p'] } as unknown as IncomingMessage)
    expect(Object.keys(raw.headers).sort()).toEqual(['dpop', 'host'])
  })
})
