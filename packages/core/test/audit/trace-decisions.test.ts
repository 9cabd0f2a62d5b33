import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { SpanStatusCode } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { traceDecisions } from '../../src/index.js'
import { createGuard } from '../../src/node/index.js'

const URL_ = 'https://api.example.test/accounts'
let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createLocalIssuer()
})
afterAll(() => issuer.close())

describe('traceDecisions with the OpenTelemetry SDK', () => {
  it('records one span per decision: attributes from the event, error status on refusals, never the token', async () => {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, onDecision: traceDecisions(provider.getTracer('fapi-guard')) })
    const key = await createDPoPKey()
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
    const proof = await createDPoPProof({ key, method: 'GET', url: URL_, accessToken: token })
    const request = { method: 'GET', url: URL_, headers: { authorization: `DPoP ${token}`, dpop: proof } }
    await guard.verify(request)
    await guard.verify(request).catch(() => undefined)

    const [accepted, refused] = exporter.getFinishedSpans()
    expect(exporter.getFinishedSpans()).toHaveLength(2)
    expect(accepted?.name).toBe('fapi-guard.verify')
    expect(accepted?.attributes).toMatchObject({
      'fapi_guard.outcome': 'accepted',
      'fapi_guard.binding': 'dpop',
      'fapi_guard.checks': 'credentials,jwt,binding,authorization',
      'fapi_guard.dpop.replay': 'first-use',
      'fapi_guard.issuer': issuer.issuer,
    })
    expect(accepted?.status.code).toBe(SpanStatusCode.UNSET)
    expect(refused?.attributes).toMatchObject({ 'fapi_guard.outcome': 'refused', 'fapi_guard.status': 401, 'fapi_guard.code': 'ERR_DPOP_PROOF_REPLAYED', 'fapi_guard.dpop.replay': 'replayed' })
    expect(refused?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ERR_DPOP_PROOF_REPLAYED' })
    const serialized = JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes))
    expect(serialized).not.toContain(token)
    expect(serialized).not.toContain(proof)
    await provider.shutdown()
  })
})
