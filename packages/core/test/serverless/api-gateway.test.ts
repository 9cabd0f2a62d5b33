import { createDPoPKey, createDPoPProof, createLocalIssuer, createTestCertificate, type DPoPKey, type LocalIssuer, type TestCertificate } from '@fapi-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromApiGatewayEvent, type APIGatewayEventLike, type Guard, type GuardError } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'
import { httpEvent, restEvent, type EventInput } from './api-gateway-events.js'

// AWS Lambda behind API Gateway: `fromApiGatewayEvent(event)` → `guard.verify`, the refusal copied
// into a proxy result. REST APIs (payload 1.0) and HTTP APIs (payload 2.0), mTLS at the custom domain.

let issuer: LocalIssuer
let client: TestCertificate
let stranger: TestCertificate
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  client = createTestCertificate('client')
  stranger = createTestCertificate('stranger')
  key = await createDPoPKey()
})
afterAll(() => issuer.close())

interface ProxyResult {
  statusCode: number
  headers: Record<string, string>
  body: string
}

/** A Lambda handler: verify the event, answer 200 with the subject, or copy the refusal (status, headers, JSON body). */
function handlerFor(guard: Guard): (event: APIGatewayEventLike) => Promise<ProxyResult> {
  return async (event) => {
    try {
      const auth = await guard.verify(fromApiGatewayEvent(event))
      return { statusCode: 200, headers: { 'content-type': 'application/json', ...auth.responseHeaders }, body: JSON.stringify({ subject: auth.subject, binding: auth.binding }) }
    } catch (error) {
      const refusal: GuardError = guard.toGuardError(error)
      return { statusCode: refusal.status, headers: { 'content-type': 'application/json', ...refusal.headers }, body: JSON.stringify(refusal.toJSON()) }
    }
  }
}

const payloads = [
  { name: 'REST API (payload 1.0)', event: restEvent },
  { name: 'HTTP API (payload 2.0)', event: httpEvent },
] as const

describe('fromApiGatewayEvent', () => {
  describe.each(payloads)('$name', ({ event }) => {
    const handle = (input: EventInput, extra: object = {}) =>
      handlerFor(createGuard({ issuer: issuer.issuer, audience: issuer.audience, ...extra }))(event(input) as APIGatewayEventLike)

    const boundToken = () => issuer.mint({ sub: 'alice', cnf: { 'x5t#S256': client.thumbprint } })

    it('a certificate-bound token with its certificate → 200, the binding verified', async () => {
      const result = await handle({ headers: { Authorization: [`Bearer ${await boundToken()}`] }, clientCertPem: client.cert })
      expect(result.statusCode).toBe(200)
      expect(JSON.parse(result.body)).toEqual({ subject: 'alice', binding: { mtls: { x5tS256: client.thumbprint } } })
    })

    it('the same token with another client certificate → 401 invalid_token', async () => {
      const result = await handle({ headers: { Authorization: [`Bearer ${await boundToken()}`] }, clientCertPem: stranger.cert })
      expect(result.statusCode).toBe(401)
      expect(result.headers['www-authenticate']).toContain('error="invalid_token"')
      expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_token' })
    })

    it('the same token without a client certificate → 401 invalid_token', async () => {
      const result = await handle({ headers: { Authorization: [`Bearer ${await boundToken()}`] } })
      expect(result.statusCode).toBe(401)
      expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_token' })
    })

    it('two Authorization headers → 400 invalid_request', async () => {
      const token = await boundToken()
      const result = await handle({ headers: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] }, clientCertPem: client.cert })
      expect(result.statusCode).toBe(400)
      expect(result.headers['www-authenticate']).toContain('error="invalid_request"')
      expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_request' })
    })

    it('no credentials → 401 with the challenge and no error', async () => {
      const result = await handle({ clientCertPem: client.cert })
      expect(result.statusCode).toBe(401)
      expect(result.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
      expect(result.headers['www-authenticate']).not.toContain('error=')
      expect(JSON.parse(result.body)).toEqual({ error: 'unauthorized' })
    })

    it('an access_token in the query beside the header → 400 invalid_request', async () => {
      const token = await boundToken()
      const result = await handle({ headers: { Authorization: [`Bearer ${token}`] }, query: `page=2&access_token=${token}`, clientCertPem: client.cert })
      expect(result.statusCode).toBe(400)
    })

    it('a DPoP proof for the https URL the client addressed (POST, with a query) → 200', async () => {
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const dpop = await createDPoPProof({ key, method: 'POST', url: 'https://api.example.test/accounts', accessToken: token })
      const result = await handle({ method: 'POST', query: 'page=2', headers: { Authorization: [`DPoP ${token}`], DPoP: [dpop] } })
      expect(result.statusCode).toBe(200)
      expect(JSON.parse(result.body)).toMatchObject({ binding: { dpop: { jkt: key.thumbprint } } })
    })

    it('a DPoP proof for another method → 401 invalid_dpop_proof', async () => {
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const dpop = await createDPoPProof({ key, method: 'GET', url: 'https://api.example.test/accounts', accessToken: token })
      const result = await handle({ method: 'DELETE', headers: { Authorization: [`DPoP ${token}`], DPoP: [dpop] } })
      expect(result.statusCode).toBe(401)
      expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_dpop_proof' })
    })

    it('X-Forwarded-Host from the client is not believed (the source IP is no trusted proxy)', async () => {
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const dpop = await createDPoPProof({ key, method: 'GET', url: 'https://evil.example/accounts', accessToken: token })
      const result = await handle({ headers: { Authorization: [`DPoP ${token}`], DPoP: [dpop], 'X-Forwarded-Host': ['evil.example'] } })
      expect(result.statusCode).toBe(401)
      expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_dpop_proof' })
    })

    it('server nonces: 401 use_dpop_nonce with DPoP-Nonce in the result headers, then 200', async () => {
      const options = { dpop: { nonce: { secret: 'n'.repeat(32) } } }
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      const url = 'https://api.example.test/accounts'
      const first = await handle({ headers: { Authorization: [`DPoP ${token}`], DPoP: [await createDPoPProof({ key, method: 'GET', url, accessToken: token })] } }, options)
      expect(first.statusCode).toBe(401)
      const nonce = first.headers['dpop-nonce']
      expect(nonce).toEqual(expect.any(String))
      const dpop = await createDPoPProof({ key, method: 'GET', url, accessToken: token, nonce: nonce as string })
      const second = await handle({ headers: { Authorization: [`DPoP ${token}`], DPoP: [dpop] } }, options)
      expect(second.statusCode).toBe(200)
    })
  })
})

describe('fromApiGatewayEvent: the RequestLike it builds', () => {
  it('REST: method, https URL from Host and requestContext.path (with the stage), query, every header occurrence, source IP, certificate', () => {
    const event = restEvent({
      method: 'PUT',
      path: '/prod/accounts',
      domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      query: 'page=2&tag=a&tag=b',
      headers: { Authorization: ['Bearer one', 'Bearer two'] },
      clientCertPem: 'PEM',
    })
    event.path = '/accounts' // API Gateway strips the stage from `path`, not from `requestContext.path`
    const request = fromApiGatewayEvent(event as APIGatewayEventLike)
    expect(request.method).toBe('PUT')
    expect(request.url).toBe('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/accounts?page=2&tag=a&tag=b')
    expect((request.headers as Record<string, unknown>).Authorization).toEqual(['Bearer one', 'Bearer two'])
    expect(request.peerAddress).toBe('203.0.113.7')
    expect(request.clientCertificate).toBe('PEM')
  })

  it('HTTP API: method from requestContext.http, rawPath and rawQueryString kept as sent, the certificate from authentication', () => {
    const event = httpEvent({ method: 'PATCH', path: '/accounts/a%20b', query: 'q=%2F&x', clientCertPem: 'PEM' })
    const request = fromApiGatewayEvent(event as APIGatewayEventLike)
    expect(request.method).toBe('PATCH')
    expect(request.url).toBe('https://api.example.test/accounts/a%20b?q=%2F&x')
    expect(request.peerAddress).toBe('203.0.113.7')
    expect(request.clientCertificate).toBe('PEM')
  })

  it('a REST event with no multiValueHeaders (some emulators) still reads headers', () => {
    const event = restEvent({ headers: { Authorization: ['Bearer one'] } }) as Partial<ReturnType<typeof restEvent>>
    delete event.multiValueHeaders
    const request = fromApiGatewayEvent(event as APIGatewayEventLike)
    expect((request.headers as Record<string, unknown>).Authorization).toBe('Bearer one')
  })
})
