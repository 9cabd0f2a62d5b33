/**
 * Rich Authorization Requests end to end: oidc-provider (`features.richAuthorizationRequests`, through
 * `createFapiAuthorizationServer`) grants a `payment_initiation` authorization detail in the FAPI 2.0
 * code flow (PAR, PKCE, private_key_jwt, DPoP) and puts it in the JWT access token; an Express API
 * with `requireAuthorizationDetails` lets a payment through only when the detail covers it: the
 * amount at most the consented one, the currency and the creditor the ones consented — compared with
 * the JSON body of the request.
 */
import express from 'express'
import { guard, readConsentId, requireAuthorizationDetails, type AuthorizationDetail } from '@fapi-guard/express'
import { createDPoPProof, createFapiAuthorizationServer, createTestCertificate, send, serve, type FapiAuthorizationServer, type FapiTokens, type Served } from '@fapi-guard/testing'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUDIENCE } from './support.js'

const CREDITOR = 'DE02100100109307118603'
/** RFC 9396 §2's payment, with the consent id the bank assigned (as UAE open finance carries it). */
const PAYMENT_DETAIL = {
  type: 'payment_initiation',
  actions: ['initiate', 'status', 'cancel'],
  locations: [`${AUDIENCE}/payments`],
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorName: 'Merchant A',
  creditorAccount: { iban: CREDITOR },
  remittanceInformationUnstructured: 'Ref Number Merchant',
  consent: { ConsentId: 'pcon-7f1c' },
}

interface PaymentBody {
  readonly amount: string
  readonly currency: string
  readonly creditorAccount: { readonly iban: string }
}

/** The detail covers the payment of the body: at most the consented amount, same currency, same creditor. */
function covers(detail: AuthorizationDetail, body: PaymentBody): boolean {
  const consented = detail.instructedAmount as { currency: string; amount: string }
  const creditor = detail.creditorAccount as { iban: string }
  return Number(body.amount) <= Number(consented.amount) && body.currency === consented.currency && body.creditorAccount.iban === creditor.iban
}

let fapi: FapiAuthorizationServer
let api: Served
const serverCertificate = createTestCertificate('localhost')

beforeAll(async () => {
  fapi = await createFapiAuthorizationServer({ audience: AUDIENCE, authorizationDetailsTypes: ['payment_initiation', 'account_information'] })
  const app = express()
  app.use(express.json())
  app.use(guard({ issuer: fapi.issuer, audience: AUDIENCE, fetch: fapi.fetch, resource: { identifier: AUDIENCE, authorizationDetailsTypes: ['payment_initiation'] } }))
  app.post(
    '/payments',
    requireAuthorizationDetails({
      type: 'payment_initiation',
      actions: ['initiate'],
      locations: [`${AUDIENCE}/payments`],
      check: (detail, req) => covers(detail, req.body as PaymentBody),
      description: 'no payment_initiation detail covers this payment',
    }),
    (req, res) => {
      res.status(201).json({ status: 'accepted', consentId: readConsentId(req.auth!) ?? null })
    },
  )
  api = await serve(app, serverCertificate)
})

afterAll(async () => {
  await api?.close()
  await fapi?.close()
})

async function pay(tokens: FapiTokens, body: PaymentBody) {
  const url = `${api.origin}/payments`
  const proof = await createDPoPProof(tokens.dpopKey!, { method: 'POST', url, accessToken: tokens.accessToken })
  return send(url, {
    method: 'POST',
    ca: serverCertificate.cert,
    headers: { authorization: `DPoP ${tokens.accessToken}`, dpop: proof, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

describe('a payment_initiation detail from oidc-provider, checked against the payment', () => {
  let withDetail: FapiTokens
  let withoutDetail: FapiTokens
  beforeAll(async () => {
    const client = await fapi.registerClient({ profile: 'fapi2', binding: 'dpop' })
    withDetail = await client.authorize({ scope: 'payments:write', authorizationDetails: [PAYMENT_DETAIL] })
    withoutDetail = await client.authorize({ scope: 'payments:write' })
  })

  it('oidc-provider puts the consented detail in the JWT access token and the token response', () => {
    expect(decodeJwt(withDetail.accessToken).authorization_details).toEqual([PAYMENT_DETAIL])
    expect(withDetail.authorizationDetails).toEqual([PAYMENT_DETAIL])
    expect(decodeJwt(withoutDetail.accessToken)).not.toHaveProperty('authorization_details')
  })

  it('a payment within the consented amount to the consented creditor → 201, and the consent id is read', async () => {
    const response = await pay(withDetail, { amount: '100.00', currency: 'EUR', creditorAccount: { iban: CREDITOR } })
    expect(response.status, response.body).toBe(201)
    expect(response.json()).toEqual({ status: 'accepted', consentId: 'pcon-7f1c' })
  })

  it('over the consented amount, or to another creditor → 403 insufficient_authorization_details', async () => {
    for (const body of [
      { amount: '123.51', currency: 'EUR', creditorAccount: { iban: CREDITOR } },
      { amount: '10.00', currency: 'USD', creditorAccount: { iban: CREDITOR } },
      { amount: '10.00', currency: 'EUR', creditorAccount: { iban: 'DE89370400440532013000' } },
    ]) {
      const response = await pay(withDetail, body)
      expect(response.status, JSON.stringify(body)).toBe(403)
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", resource_metadata="[^"]+", DPoP error="insufficient_authorization_details", error_description="no payment_initiation detail covers this payment", algs="[^"]+", resource_metadata="https:\/\/api\.example\.test\/\.well-known\/oauth-protected-resource"$/)
      expect(response.json()).toEqual({ error: 'insufficient_authorization_details', error_description: 'no payment_initiation detail covers this payment' })
    }
  })

  it('a token without the detail (same client, same scope) → 403 insufficient_authorization_details', async () => {
    const response = await pay(withoutDetail, { amount: '1.00', currency: 'EUR', creditorAccount: { iban: CREDITOR } })
    expect(response.status).toBe(403)
    expect(response.json()).toMatchObject({ error: 'insufficient_authorization_details' })
  })

  it('the metadata lists authorization_details_types_supported', async () => {
    const response = await send(`${api.origin}/.well-known/oauth-protected-resource`, { ca: serverCertificate.cert })
    expect(response.json()).toMatchObject({ authorization_details_types_supported: ['payment_initiation'] })
  })
})
