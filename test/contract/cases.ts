import { accepted, anonymous, noCredentials, refusal, unavailable, type Expected } from './support/expectations.js'
import {
  DOWN_TOKEN_PREFIX,
  GUARD_WIDE_SCOPE,
  INTROSPECTION_API_KEY,
  METADATA_PATH,
  PROXY_GUARD_MAX_AGE,
  PUBLIC_ORIGIN,
  RESOURCE_IDENTIFIER,
  SCOPED_METADATA_PATH,
  SCOPED_METADATA_URL,
  SCOPED_RESOURCE_IDENTIFIER,
  type Fixtures,
  type GuardName,
} from './support/fixtures.js'
import { certificateRequest, clientCertHeader, dpopRequest, forwardedTo, now, type CaseContext } from './support/requests.js'
import { ANONYMOUS_BODY, CREDITOR_HEADER, GOLD_ACR, RECENT_MAX_AGE, ROUTES } from './support/routes.js'
import type { Answer, ContractRequest } from './support/target.js'
import { expect } from 'vitest'

/**
 * One case of the contract: a name, a request builder (or, for cases that need state — replay, nonce
 * round trip — a `run` that sends several and returns the last answer), and the answer every adapter
 * must give. Tokens, proofs and nonces are made per adapter, against that adapter's own guard.
 */
export interface ContractCase {
  readonly name: string
  /** Which guard configuration serves the case. Default `base`. */
  readonly guard?: GuardName
  readonly request?: (ctx: CaseContext) => Promise<ContractRequest>
  readonly run?: (ctx: CaseContext) => Promise<Answer>
  readonly expected: Expected
  /**
   * An adapter known to answer differently because of a gap outside the adapters (named, with the
   * change that closes it). The suite checks that it still differs, so closing the gap fails it
   * until the entry is removed.
   */
  readonly knownDifference?: { readonly adapter: string; readonly reason: string }
}

/** Why Hono on @hono/node-server answers the two malformed-Host cases differently (see `knownDifference`). */
const HONO_NODE_SERVER_HOST =
  '@hono/node-server refuses a request whose Host it cannot build a URL from with a bare 400 (no body, no challenge) before Hono runs, so no middleware sees it; still a 400, never a proof checked against a moved path. Closes if @hono/node-server hands such requests to the app or its errorHandler gets the request'
const ID = '9d0d2b7e-6c31-4b8e-9a55-2f1f3c7d4e10'
/** RFC 9396 §2's payment example, as the `/payments` route's token carries it. */
const PAYMENT_IBAN = 'DE02100100109307118603'
const PAYMENT_DETAILS = [
  { type: 'payment_initiation', actions: ['initiate', 'status', 'cancel'], instructedAmount: { currency: 'EUR', amount: '123.50' }, creditorName: 'Merchant A', creditorAccount: { iban: PAYMENT_IBAN } },
]
const dpopBody = (scopes: string[] = []) => (f: Fixtures) => ({ subject: 'user-1', clientId: 'client-1', scopes, binding: { dpop: { jkt: f.dpopKey.thumbprint } } })
const mtlsBody = () => (f: Fixtures) => ({ subject: 'user-1', clientId: 'client-1', scopes: [], binding: { mtls: { x5tS256: f.clientCertificate.thumbprint } } })
const dpopError = (error: string, description: string | null, params?: string[]) => ({ error, description, scheme: 'DPoP' as const, ...(params !== undefined && { params }) })
const bearerError = (error: string, description: string, params?: string[]) => ({ error, description, scheme: 'Bearer' as const, ...(params !== undefined && { params }) })
/** At the `scoped` guard: challenges point to its metadata, at the path its identifier derives. */
const scopedError = (description: string, scope: string) => ({ ...dpopError('insufficient_scope', description, [`scope="${scope}"`]), resourceMetadata: SCOPED_METADATA_URL })
/** A token whose signature is another one's: header and payload intact, the signature segment replaced. */
const withForeignSignature = (token: string, other: string) => `${token.split('.').slice(0, 2).join('.')}.${other.split('.')[2] as string}`

/** A request to the resource with this `Authorization` and nothing else. */
const authorizationOnly = (authorization: string) => async (): Promise<ContractRequest> => ({ path: ROUTES.resource.path, headers: { authorization } })

/** Sends `request` twice; answers the second (the first must be let through). */
async function twice(ctx: CaseContext, request: ContractRequest): Promise<Answer> {
  const first = await ctx.send(request)
  expect(first.status, 'the first use of the proof').toBe(200)
  return ctx.send(request)
}

/** A DPoP request to the `nonce` guard without a nonce, then the same with the nonce the challenge gave. */
async function nonceRoundTrip(ctx: CaseContext): Promise<Answer> {
  const token = await ctx.fixtures.issuer.mintAccessToken({}, { dpopKey: ctx.fixtures.dpopKey })
  const challenged = await ctx.send(await dpopRequest(ctx, { token }))
  expect(challenged.status, 'the request without a nonce').toBe(401)
  const nonce = challenged.headers['dpop-nonce']
  expect(nonce, 'the DPoP-Nonce of the challenge').toBeTypeOf('string')
  return ctx.send(await dpopRequest(ctx, { token, proof: { nonce: nonce as string } }))
}

export const CASES: readonly ContractCase[] = [
  // ── credentials ──────────────────────────────────────────────────────────────────────────────
  { name: 'no token', request: async () => ({ path: ROUTES.resource.path }), expected: noCredentials() },
  {
    name: 'a scheme the guard does not take (Basic) counts as no token',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    expected: noCredentials(),
  },
  {
    name: 'token in the query only is no credential',
    request: async () => ({ path: `${ROUTES.resource.path}?access_token=abc` }),
    expected: noCredentials(),
  },
  {
    name: 'garbage token',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: 'Bearer garbage' } }),
    expected: refusal(401, bearerError('invalid_token', 'not a JWT')),
  },
  {
    name: 'Authorization with a scheme and no token',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: 'DPoP' } }),
    expected: refusal(400, dpopError('invalid_request', 'carry no token')),
  },
  { name: 'the Bearer scheme with no token', request: authorizationOnly('Bearer'), expected: refusal(400, bearerError('invalid_request', 'carry no token')) },
  { name: 'a Bearer token that is not token68 (a space in it)', request: authorizationOnly('Bearer a b'), expected: refusal(400, bearerError('invalid_request', 'not token68 syntax')) },
  { name: 'a Bearer token that is not token68 (a comma in it)', request: authorizationOnly('Bearer abc,def'), expected: refusal(400, bearerError('invalid_request', 'not token68 syntax')) },
  {
    name: 'an Authorization scheme that is not an HTTP token',
    request: authorizationOnly('Bear@er abc'),
    expected: refusal(400, { error: 'invalid_request', description: 'malformed', scheme: 'both' }),
  },
  {
    name: 'the scheme compares case-insensitively (dPoP)',
    request: (ctx) => dpopRequest(ctx, { scheme: 'dPoP' }),
    expected: accepted(dpopBody()),
  },
  {
    name: 'two Authorization headers',
    request: async (ctx) => {
      const request = await dpopRequest(ctx)
      const authorization = request.headers?.authorization as string
      return { ...request, headers: { ...request.headers, authorization: [authorization, authorization] } }
    },
    expected: refusal(400, { error: 'invalid_request', description: 'more than one Authorization header', scheme: 'both' }),
  },
  // ── the request URL (issue 14 class 1) ─────────────────────────────────────────────────────────
  {
    name: 'HOST-01 a Host that moves the path ("<host>/resource?") cannot carry a proof for /resource to /accounts',
    request: async (ctx) => {
      const request = await dpopRequest(ctx, { path: ROUTES.accounts.path, claims: { scope: 'accounts:read' }, proof: { url: ctx.url(ROUTES.resource.path) } })
      return { ...request, headers: { ...request.headers, host: `${new URL(ctx.url('/')).host}${ROUTES.resource.path}?` } }
    },
    expected: refusal(400, { error: 'invalid_request', description: 'the Host header is not a valid host[:port]', scheme: 'both' }),
    knownDifference: { adapter: 'Hono', reason: HONO_NODE_SERVER_HOST },
  },
  {
    // Two field lines, joined as a proxy or a Fetch runtime would (the two-line form is HOST-16 in core).
    name: 'HOST-16 two Host fields, joined by a comma',
    request: async (ctx) => {
      const request = await dpopRequest(ctx)
      const host = new URL(ctx.url('/')).host
      return { ...request, headers: { ...request.headers, host: `${host}, other.example` } }
    },
    expected: refusal(400, { error: 'invalid_request', description: 'the request has more than one Host header', scheme: 'both' }),
    knownDifference: { adapter: 'Hono', reason: HONO_NODE_SERVER_HOST },
  },
  {
    name: 'two DPoP headers',
    request: async (ctx) => {
      const request = await dpopRequest(ctx)
      const proof = request.headers?.dpop as string
      return { ...request, headers: { ...request.headers, dpop: [proof, proof] } }
    },
    expected: refusal(400, dpopError('invalid_request', 'more than one DPoP proof')),
  },
  {
    name: 'token in the query beside the header',
    request: async (ctx) => ({ ...(await dpopRequest(ctx)), path: `${ROUTES.resource.path}?access_token=abc` }),
    expected: refusal(400, dpopError('invalid_request', 'both in the header and in the query')),
  },

  // ── the token ────────────────────────────────────────────────────────────────────────────────
  { name: 'valid DPoP-bound token and proof', request: (ctx) => dpopRequest(ctx), expected: accepted(dpopBody()) },
  {
    name: 'expired token',
    request: (ctx) => dpopRequest(ctx, { mint: { now: now() - 3600, expiresIn: 600 } }),
    expected: refusal(401, dpopError('invalid_token', 'has expired')),
  },
  {
    name: 'wrong aud',
    request: (ctx) => dpopRequest(ctx, { claims: { aud: 'https://other-api.example.test' } }),
    expected: refusal(401, dpopError('invalid_token', 'does not name this resource server')),
  },
  {
    name: 'wrong iss',
    request: (ctx) => dpopRequest(ctx, { claims: { iss: 'https://untrusted-issuer.example.test' } }),
    expected: refusal(401, dpopError('invalid_token', 'is not a trusted issuer')),
  },
  {
    name: 'a signature that is not the token\'s (another token of the issuer\'s)',
    request: async (ctx) => {
      const token = await ctx.fixtures.issuer.mintAccessToken({}, { dpopKey: ctx.fixtures.dpopKey })
      const other = await ctx.fixtures.issuer.mintAccessToken({ sub: 'someone-else' }, { dpopKey: ctx.fixtures.dpopKey })
      return dpopRequest(ctx, { token: withForeignSignature(token, other) })
    },
    expected: refusal(401, dpopError('invalid_token', 'signature does not verify')),
  },
  {
    name: 'signed by a key the issuer does not have',
    request: async (ctx) =>
      dpopRequest(ctx, { token: await ctx.fixtures.strangerIssuer.mintAccessToken({ iss: ctx.fixtures.issuer.issuer }, { dpopKey: ctx.fixtures.dpopKey }) }),
    expected: refusal(401, dpopError('invalid_token', 'no key of the issuer')),
  },
  {
    name: 'unbound bearer token under FAPI 2.0',
    request: async (ctx) => ({ path: ROUTES.resource.path, headers: { authorization: `Bearer ${await ctx.fixtures.issuer.mintAccessToken()}` } }),
    expected: refusal(401, bearerError('invalid_token', 'not sender-constrained')),
  },
  {
    name: 'unbound bearer token under FAPI 2.0, even over a connection with a client certificate',
    request: async (ctx) => ({
      path: ROUTES.resource.path,
      headers: { authorization: `Bearer ${await ctx.fixtures.issuer.mintAccessToken()}` },
      certificate: ctx.fixtures.clientCertificate,
    }),
    expected: refusal(401, bearerError('invalid_token', 'not sender-constrained')),
  },
  {
    name: 'DPoP-bound token sent with the Bearer scheme',
    request: (ctx) => dpopRequest(ctx, { scheme: 'Bearer' }),
    expected: refusal(401, bearerError('invalid_token', 'must be sent with the DPoP scheme')),
  },
  {
    name: 'key server down → 503 with Retry-After',
    request: async (ctx) =>
      dpopRequest(ctx, { token: await ctx.fixtures.downIssuer.mint({ cnf: { jkt: ctx.fixtures.dpopKey.thumbprint } }) }),
    expected: unavailable({ error: 'temporarily_unavailable', error_description: expect.stringContaining('unavailable') }),
  },

  // ── introspection (RFC 7662) ─────────────────────────────────────────────────────────────────
  {
    name: 'INTRO-10 an opaque DPoP-bound access token for this API is introspected and accepted',
    guard: 'introspection',
    request: async (ctx) =>
      dpopRequest(ctx, { token: await ctx.fixtures.issuer.mintAccessToken({}, { format: 'opaque', dpopKey: ctx.fixtures.dpopKey }) }),
    expected: accepted(dpopBody()),
  },
  {
    name: 'INTRO-10 an opaque token whose introspection answer has no "aud" (a refresh token) is refused',
    guard: 'introspection',
    request: async (ctx) =>
      dpopRequest(ctx, { token: ctx.fixtures.issuer.issueOpaque({ aud: undefined, cnf: { jkt: ctx.fixtures.dpopKey.thumbprint } }) }),
    expected: refusal(401, dpopError('invalid_token', 'naming this resource server')),
  },
  {
    name: 'INTRO-11 an opaque token introspected with token_type "refresh_token" is refused',
    guard: 'introspection',
    request: async (ctx) =>
      dpopRequest(ctx, {
        token: await ctx.fixtures.issuer.mintAccessToken({ token_type: 'refresh_token' }, { format: 'opaque', dpopKey: ctx.fixtures.dpopKey }),
      }),
    expected: refusal(401, dpopError('invalid_token', 'is not an access token type')),
  },
  {
    name: 'LEAK-01 a failing introspection endpoint: 503 naming the issuer, never the endpoint, its path or its API key',
    guard: 'introspection',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: `Bearer ${DOWN_TOKEN_PREFIX}opaque-token-for-the-down-issuer` } }),
    expected: unavailable((f: Fixtures) => {
      const description = `token introspection at issuer "${f.downIssuer.issuer}" failed`
      expect(description).not.toMatch(new RegExp(`${INTROSPECTION_API_KEY}|api_key|/introspect`))
      return { error: 'temporarily_unavailable', error_description: description }
    }),
  },

  // ── DPoP (RFC 9449) ──────────────────────────────────────────────────────────────────────────
  {
    name: 'DPoP scheme without a proof',
    request: async (ctx) => {
      const request = await dpopRequest(ctx)
      return { path: request.path, headers: { authorization: request.headers?.authorization as string } }
    },
    expected: refusal(401, dpopError('invalid_dpop_proof', 'has no DPoP proof')),
  },
  { name: 'DPoP proof replayed', run: async (ctx) => twice(ctx, await dpopRequest(ctx)), expected: refusal(401, dpopError('invalid_dpop_proof', 'already used')) },
  {
    name: 'DPoP wrong htu',
    request: (ctx) => dpopRequest(ctx, { proof: { url: ctx.url(ROUTES.accounts.path) } }),
    expected: refusal(401, dpopError('invalid_dpop_proof', "'htu' does not match")),
  },
  {
    name: 'DPoP wrong htm',
    request: (ctx) => dpopRequest(ctx, { proof: { method: 'POST' } }),
    expected: refusal(401, dpopError('invalid_dpop_proof', "'htm' does not match")),
  },
  {
    name: 'DPoP wrong ath',
    request: (ctx) => dpopRequest(ctx, { proof: { accessToken: 'another-access-token' } }),
    expected: refusal(401, dpopError('invalid_dpop_proof', "'ath' does not match")),
  },
  {
    name: 'DPoP proof signed by another key than the token is bound to',
    request: (ctx) => dpopRequest(ctx, { proof: { key: ctx.fixtures.otherDPoPKey } }),
    expected: refusal(401, dpopError('invalid_token', 'DPoP key binding')),
  },
  {
    name: 'DPoP proof too old',
    request: (ctx) => dpopRequest(ctx, { proof: { iat: now() - 3600 } }),
    expected: refusal(401, dpopError('invalid_dpop_proof', "'iat' is outside the accepted window")),
  },
  {
    name: 'DPoP server nonce: a proof without one → use_dpop_nonce and a DPoP-Nonce',
    guard: 'nonce',
    request: (ctx) => dpopRequest(ctx),
    expected: refusal(401, dpopError('use_dpop_nonce', 'requires nonce'), { nonce: true }),
  },
  { name: 'DPoP server nonce: retry with the nonce → 200', guard: 'nonce', run: nonceRoundTrip, expected: accepted(dpopBody()) },
  {
    name: 'DPoP server nonce: an unknown nonce → use_dpop_nonce and a fresh DPoP-Nonce',
    guard: 'nonce',
    request: (ctx) => dpopRequest(ctx, { proof: { nonce: 'not-a-nonce-of-this-server' } }),
    expected: refusal(401, dpopError('use_dpop_nonce', 'nonce is not current'), { nonce: true }),
  },
  {
    name: 'DPoP server nonce: a certificate-bound request needs none',
    guard: 'nonce',
    request: (ctx) => certificateRequest(ctx),
    expected: accepted(mtlsBody()),
  },

  // ── certificate-bound tokens (RFC 8705) ──────────────────────────────────────────────────────
  { name: 'certificate-bound: the right certificate', request: (ctx) => certificateRequest(ctx), expected: accepted(mtlsBody()) },
  {
    name: 'certificate-bound: another certificate',
    request: (ctx) => certificateRequest(ctx, { present: ctx.fixtures.otherCertificate }),
    expected: refusal(401, bearerError('invalid_token', 'does not match the one the access token is bound to')),
  },
  {
    name: 'certificate-bound: no certificate',
    request: (ctx) => certificateRequest(ctx, { present: null }),
    expected: refusal(401, bearerError('invalid_token', 'no client certificate was presented')),
  },
  {
    name: 'certificate-bound: without a proxy option, no certificate header of any kind is read',
    guard: 'nonce',
    request: (ctx) => {
      const { clientCertificate } = ctx.fixtures
      const escaped = encodeURIComponent(clientCertificate.cert)
      const xfcc = `By=spiffe://cluster.local/ns/api/sa/api;Cert="${escaped}"`
      const headers = { 'x-ssl-client-cert': escaped, 'x-forwarded-client-cert': xfcc, 'x-amzn-mtls-clientcert': escaped, 'client-cert': clientCertHeader(clientCertificate) }
      return certificateRequest(ctx, { present: null, headers })
    },
    expected: refusal(401, bearerError('invalid_token', 'no client certificate was presented')),
  },

  // ── behind a proxy ───────────────────────────────────────────────────────────────────────────
  {
    name: 'proxy trusted: forwarded public URL, proof for the public URL → 200',
    guard: 'proxy',
    request: (ctx) =>
      dpopRequest(ctx, { claims: { auth_time: now() }, proof: { url: `${PUBLIC_ORIGIN}${ROUTES.resource.path}` }, headers: forwardedTo(PUBLIC_ORIGIN) }),
    expected: accepted(dpopBody()),
  },
  {
    name: 'proxy trusted: forwarded public URL, proof for the internal URL',
    guard: 'proxy',
    request: (ctx) => dpopRequest(ctx, { claims: { auth_time: now() }, headers: forwardedTo(PUBLIC_ORIGIN) }),
    expected: refusal(401, dpopError('invalid_dpop_proof', "'htu' does not match")),
  },
  {
    name: 'proxy untrusted: forwarded headers ignored, proof for the public URL',
    request: (ctx) => dpopRequest(ctx, { proof: { url: `${PUBLIC_ORIGIN}${ROUTES.resource.path}` }, headers: forwardedTo(PUBLIC_ORIGIN) }),
    expected: refusal(401, dpopError('invalid_dpop_proof', "'htu' does not match")),
  },
  {
    name: 'proxy untrusted: forwarded headers ignored, proof for the URL addressed → 200',
    request: (ctx) => dpopRequest(ctx, { headers: forwardedTo(PUBLIC_ORIGIN) }),
    expected: accepted(dpopBody()),
  },
  {
    name: 'proxy trusted: client certificate in RFC 9440 Client-Cert → 200',
    guard: 'proxy',
    request: (ctx) =>
      certificateRequest(ctx, { claims: { auth_time: now() }, present: null, headers: { 'client-cert': clientCertHeader(ctx.fixtures.clientCertificate) } }),
    expected: accepted(mtlsBody()),
  },
  {
    name: 'proxy trusted: another certificate in Client-Cert',
    guard: 'proxy',
    request: (ctx) =>
      certificateRequest(ctx, { claims: { auth_time: now() }, present: null, headers: { 'client-cert': clientCertHeader(ctx.fixtures.otherCertificate) } }),
    expected: refusal(401, bearerError('invalid_token', 'does not match the one the access token is bound to')),
  },
  {
    name: 'proxy trusted: Client-Cert twice → no certificate, never judged on one of them',
    guard: 'proxy',
    request: (ctx) => {
      const { clientCertificate, otherCertificate } = ctx.fixtures
      return certificateRequest(ctx, { claims: { auth_time: now() }, present: null, headers: { 'client-cert': [clientCertHeader(clientCertificate), clientCertHeader(otherCertificate)] } })
    },
    expected: refusal(401, bearerError('invalid_token', 'no client certificate was presented')),
  },
  {
    name: 'proxy trusted: no Client-Cert, the TLS client certificate → 200',
    guard: 'proxy',
    request: (ctx) => certificateRequest(ctx, { claims: { auth_time: now() } }),
    expected: accepted(mtlsBody()),
  },
  {
    name: 'proxy trusted: the same certificate in TLS and in Client-Cert → 200',
    guard: 'proxy',
    request: (ctx) => certificateRequest(ctx, { claims: { auth_time: now() }, headers: { 'client-cert': clientCertHeader(ctx.fixtures.clientCertificate) } }),
    expected: accepted(mtlsBody()),
  },
  {
    name: 'proxy trusted: the bound certificate in Client-Cert, another in TLS',
    guard: 'proxy',
    request: (ctx) =>
      certificateRequest(ctx, { claims: { auth_time: now() }, present: ctx.fixtures.otherCertificate, headers: { 'client-cert': clientCertHeader(ctx.fixtures.clientCertificate) } }),
    expected: refusal(401, bearerError('invalid_token', 'differs from the TLS client certificate')),
  },
  {
    name: 'proxy trusted: a Client-Cert that is no certificate means none; the TLS certificate does not stand in',
    guard: 'proxy',
    request: (ctx) => certificateRequest(ctx, { claims: { auth_time: now() }, headers: { 'client-cert': 'not-a-certificate' } }),
    expected: refusal(401, bearerError('invalid_token', 'no client certificate was presented')),
  },
  {
    name: 'proxy untrusted: Client-Cert header ignored',
    request: (ctx) => certificateRequest(ctx, { present: null, headers: { 'client-cert': clientCertHeader(ctx.fixtures.clientCertificate) } }),
    expected: refusal(401, bearerError('invalid_token', 'no client certificate was presented')),
  },

  // ── scopes, step-up (RFC 9470), claims ───────────────────────────────────────────────────────
  {
    name: 'missing scope',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path, claims: { scope: 'openid' } }),
    expected: refusal(403, dpopError('insufficient_scope', 'lacks a scope', ['scope="accounts:read"'])),
  },
  {
    name: 'scope granted',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path, claims: { scope: 'openid accounts:read' } }),
    expected: accepted(dpopBody(['openid', 'accounts:read'])),
  },
  {
    name: 'guard-wide scope missing',
    guard: 'scoped',
    request: (ctx) => dpopRequest(ctx, { claims: { scope: 'accounts:read' } }),
    expected: refusal(403, scopedError('lacks a scope', GUARD_WIDE_SCOPE)),
  },
  {
    name: 'guard-wide and per-route scopes: the guard-wide one missing is named first',
    guard: 'scoped',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path, claims: { scope: 'accounts:read' } }),
    expected: refusal(403, scopedError('lacks a scope', GUARD_WIDE_SCOPE)),
  },
  {
    name: 'guard-wide and per-route scopes: the per-route one missing',
    guard: 'scoped',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path, claims: { scope: GUARD_WIDE_SCOPE } }),
    expected: refusal(403, scopedError('lacks a scope', 'accounts:read')),
  },
  {
    name: 'guard-wide and per-route scopes: both granted',
    guard: 'scoped',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path, claims: { scope: `${GUARD_WIDE_SCOPE} accounts:read` } }),
    expected: accepted(dpopBody([GUARD_WIDE_SCOPE, 'accounts:read'])),
  },
  {
    name: 'step-up per route: insufficient acr',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.stepUp.path, claims: { acr: 'urn:example:acr:silver' } }),
    expected: refusal(401, dpopError('insufficient_user_authentication', 'different authentication level', [`acr_values="${GOLD_ACR}"`])),
  },
  {
    name: 'step-up per route: no acr at all',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.stepUp.path }),
    expected: refusal(401, dpopError('insufficient_user_authentication', 'different authentication level', [`acr_values="${GOLD_ACR}"`])),
  },
  { name: 'step-up per route: the acr required', request: (ctx) => dpopRequest(ctx, { path: ROUTES.stepUp.path, claims: { acr: GOLD_ACR } }), expected: accepted(dpopBody()) },
  {
    name: 'step-up per route: auth_time too old',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.recent.path, claims: { auth_time: now() - 3600 } }),
    expected: refusal(401, dpopError('insufficient_user_authentication', 'More recent authentication', [`max_age="${RECENT_MAX_AGE}"`])),
  },
  {
    name: 'step-up per route: no auth_time (fails closed)',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.recent.path }),
    expected: refusal(401, dpopError('insufficient_user_authentication', 'More recent authentication', [`max_age="${RECENT_MAX_AGE}"`])),
  },
  { name: 'step-up per route: recent auth_time', request: (ctx) => dpopRequest(ctx, { path: ROUTES.recent.path, claims: { auth_time: now() - 10 } }), expected: accepted(dpopBody()) },
  {
    name: 'step-up guard-wide: auth_time too old',
    guard: 'proxy',
    request: (ctx) => dpopRequest(ctx, { claims: { auth_time: now() - 2 * PROXY_GUARD_MAX_AGE } }),
    expected: refusal(401, dpopError('insufficient_user_authentication', 'More recent authentication', [`max_age="${PROXY_GUARD_MAX_AGE}"`])),
  },
  {
    name: 'step-up guard-wide and per-route: auth_time older than both',
    guard: 'proxy',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.recent.path, claims: { auth_time: now() - 2 * PROXY_GUARD_MAX_AGE } }),
    // The adapters verify (guard-wide maxAge first), then authorize the route: the guard-wide max_age is named.
    expected: refusal(401, dpopError('insufficient_user_authentication', 'More recent authentication', [`max_age="${PROXY_GUARD_MAX_AGE}"`])),
  },
  {
    name: 'step-up guard-wide and per-route: auth_time between the two',
    guard: 'proxy',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.recent.path, claims: { auth_time: now() - 1000 } }),
    expected: refusal(401, dpopError('insufficient_user_authentication', 'More recent authentication', [`max_age="${RECENT_MAX_AGE}"`])),
  },
  {
    name: 'step-up guard-wide with a per-route claim check: both checked',
    guard: 'proxy',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.claims.path, claims: { auth_time: now(), tenant: 'other' } }),
    expected: refusal(403, dpopError('insufficient_scope', "the 'tenant' claim does not have the required value")),
  },
  {
    name: 'claim check failing',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.claims.path, claims: { tenant: 'other' } }),
    expected: refusal(403, dpopError('insufficient_scope', "the 'tenant' claim does not have the required value")),
  },
  {
    name: 'claim missing',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.claims.path }),
    expected: refusal(403, dpopError('insufficient_scope', "the 'tenant' claim does not have the required value")),
  },
  { name: 'claim check passing', request: (ctx) => dpopRequest(ctx, { path: ROUTES.claims.path, claims: { tenant: 'acme' } }), expected: accepted(dpopBody()) },

  // ── FAPI headers ─────────────────────────────────────────────────────────────────────────────
  {
    name: 'interaction id echoed on success',
    request: (ctx) => dpopRequest(ctx, { headers: { 'x-fapi-interaction-id': ID } }),
    expected: accepted(dpopBody(), { interactionId: 'echoed' }),
  },
  {
    name: 'interaction id echoed on a 401',
    request: async () => ({ path: ROUTES.resource.path, headers: { 'x-fapi-interaction-id': ID } }),
    expected: noCredentials({ interactionId: 'echoed' }),
  },
  {
    name: 'interaction id echoed on a per-route 403',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path, headers: { 'x-fapi-interaction-id': ID } }),
    expected: refusal(403, dpopError('insufficient_scope', 'lacks a scope', ['scope="accounts:read"']), { interactionId: 'echoed' }),
  },
  {
    name: 'interaction id echoed on a per-route step-up 401',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.stepUp.path, headers: { 'x-fapi-interaction-id': ID } }),
    expected: refusal(401, dpopError('insufficient_user_authentication', 'different authentication level', [`acr_values="${GOLD_ACR}"`]), { interactionId: 'echoed' }),
  },
  {
    name: 'interaction id echoed on a per-route claim 403',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.claims.path, headers: { 'x-fapi-interaction-id': ID } }),
    expected: refusal(403, dpopError('insufficient_scope', "the 'tenant' claim does not have the required value"), { interactionId: 'echoed' }),
  },
  {
    name: 'interaction id echoed on a nonce challenge',
    guard: 'nonce',
    request: (ctx) => dpopRequest(ctx, { headers: { 'x-fapi-interaction-id': ID } }),
    expected: refusal(401, dpopError('use_dpop_nonce', 'requires nonce'), { nonce: true, interactionId: 'echoed' }),
  },
  {
    name: 'interaction id that cannot be echoed is replaced by a UUID',
    request: (ctx) => dpopRequest(ctx, { headers: { 'x-fapi-interaction-id': 'not echoable: has spaces' } }),
    expected: accepted(dpopBody()),
  },
  {
    name: 'x-fapi-customer-ip-address (IPv6) and x-fapi-auth-date pass through',
    request: (ctx) =>
      dpopRequest(ctx, { headers: { 'x-fapi-customer-ip-address': '2001:db8::1', 'x-fapi-auth-date': 'Tue, 11 Sep 2012 19:43:31 GMT' } }),
    expected: accepted(dpopBody()),
  },

  // ── optional authentication: passthrough (issue 17) ──────────────────────────────────────────
  // No credentials (the core's ERR_NO_CREDENTIALS) → the route runs without auth; any credential
  // present is verified in full; a route with requirements of its own refuses with the 401 challenge.
  { name: 'PASS-01 passthrough: no token → the route runs without auth', guard: 'passthrough', request: async () => ({ path: ROUTES.resource.path }), expected: anonymous(ANONYMOUS_BODY) },
  {
    name: 'PASS-02 passthrough: a scheme the guard does not take (Basic) counts as no token → without auth',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    expected: anonymous(ANONYMOUS_BODY),
  },
  {
    name: 'PASS-03 passthrough: a token in the query only is no credential → without auth',
    guard: 'passthrough',
    request: async () => ({ path: `${ROUTES.resource.path}?access_token=abc` }),
    expected: anonymous(ANONYMOUS_BODY),
  },
  {
    name: 'PASS-04 passthrough: a DPoP proof without Authorization is no credential → without auth',
    guard: 'passthrough',
    request: async (ctx) => {
      const request = await dpopRequest(ctx)
      return { path: request.path, headers: { dpop: request.headers?.dpop as string } }
    },
    expected: anonymous(ANONYMOUS_BODY),
  },
  { name: 'PASS-05 passthrough: a valid DPoP-bound token → the route runs with auth', guard: 'passthrough', request: (ctx) => dpopRequest(ctx), expected: accepted(dpopBody()) },
  { name: 'PASS-06 passthrough: a valid certificate-bound token → the route runs with auth', guard: 'passthrough', request: (ctx) => certificateRequest(ctx), expected: accepted(mtlsBody()) },
  {
    name: 'PASS-07 passthrough: a garbage token is refused, not ignored',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: 'Bearer garbage' } }),
    expected: refusal(401, bearerError('invalid_token', 'not a JWT')),
  },
  {
    name: 'PASS-08 passthrough: an expired token is refused',
    guard: 'passthrough',
    request: (ctx) => dpopRequest(ctx, { mint: { now: now() - 3600, expiresIn: 600 } }),
    expected: refusal(401, dpopError('invalid_token', 'has expired')),
  },
  {
    name: 'PASS-09 passthrough: the DPoP scheme without a proof is refused',
    guard: 'passthrough',
    request: async (ctx) => {
      const request = await dpopRequest(ctx)
      return { path: request.path, headers: { authorization: request.headers?.authorization as string } }
    },
    expected: refusal(401, dpopError('invalid_dpop_proof', 'has no DPoP proof')),
  },
  {
    name: 'PASS-10 passthrough: a certificate-bound token without the certificate is refused',
    guard: 'passthrough',
    request: (ctx) => certificateRequest(ctx, { present: null }),
    expected: refusal(401, bearerError('invalid_token', 'no client certificate was presented')),
  },
  {
    name: 'PASS-11 passthrough: Authorization with a scheme and no token → 400',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: 'DPoP' } }),
    expected: refusal(400, dpopError('invalid_request', 'carry no token')),
  },
  {
    name: 'PASS-12 passthrough: a Bearer token that is not token68 → 400',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: 'Bearer a b' } }),
    expected: refusal(400, bearerError('invalid_request', 'not token68 syntax')),
  },
  {
    name: 'PASS-13 passthrough: an Authorization that is not a scheme and credentials → 400',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: '@@@ x' } }),
    expected: refusal(400, { error: 'invalid_request', description: 'malformed', scheme: 'both' }),
  },
  {
    name: 'PASS-14 passthrough: two Authorization headers → 400',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.resource.path, headers: { authorization: ['Basic dXNlcjpwYXNz', 'Basic dXNlcjpwYXNz'] } }),
    expected: refusal(400, { error: 'invalid_request', description: 'more than one Authorization header', scheme: 'both' }),
  },
  {
    name: 'PASS-15 passthrough: a route needing a scope, no token → 401 with the challenge',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.accounts.path, headers: { 'x-fapi-interaction-id': ID } }),
    expected: noCredentials({ interactionId: 'echoed' }),
  },
  {
    name: 'PASS-16 passthrough: a step-up route, no token → 401 with the challenge',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.stepUp.path }),
    expected: noCredentials(),
  },
  {
    name: 'PASS-17 passthrough: a route with a max age, no token → 401 with the challenge',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.recent.path }),
    expected: noCredentials(),
  },
  {
    name: 'PASS-18 passthrough: a route with a claim requirement, a Basic header → 401 with the challenge',
    guard: 'passthrough',
    request: async () => ({ path: ROUTES.claims.path, headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    expected: noCredentials(),
  },
  {
    name: 'PASS-19 passthrough: a route needing a scope, a token without it → 403',
    guard: 'passthrough',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path }),
    expected: refusal(403, dpopError('insufficient_scope', 'lacks a scope', ['scope="accounts:read"'])),
  },
  {
    name: 'PASS-20 passthrough: a route needing a scope, a token with it → 200',
    guard: 'passthrough',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path, claims: { scope: 'accounts:read' } }),
    expected: accepted(dpopBody(['accounts:read'])),
  },
  {
    name: 'PASS-21 passthrough: the metadata document is still served',
    guard: 'passthrough',
    request: async () => ({ path: METADATA_PATH }),
    expected: { status: 200, challenge: null, interactionId: null, body: expect.objectContaining({ resource: RESOURCE_IDENTIFIER }) },
  },

  // ── errorDescriptions: false ─────────────────────────────────────────────────────────────────
  {
    name: 'errorDescriptions false: a refusal names the error, in the body and the challenge, with no description',
    guard: 'quiet',
    request: (ctx) => dpopRequest(ctx, { mint: { now: now() - 3600, expiresIn: 600 } }),
    expected: refusal(401, dpopError('invalid_token', null)),
  },
  {
    name: 'errorDescriptions false: a per-route 403 keeps its scope parameter',
    guard: 'quiet',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.accounts.path }),
    expected: refusal(403, dpopError('insufficient_scope', null, ['scope="accounts:read"'])),
  },

  // ── RFC 9728 protected resource metadata ─────────────────────────────────────────────────────
  {
    name: 'metadata document served at its path, public and cacheable',
    request: async () => ({ path: METADATA_PATH, headers: { 'x-fapi-interaction-id': ID } }),
    expected: {
      status: 200,
      challenge: null,
      interactionId: null,
      cacheControl: 'public, max-age=3600',
      body: (f: Fixtures) => ({
        resource: RESOURCE_IDENTIFIER,
        authorization_servers: [f.issuer.issuer, f.downIssuer.issuer],
        bearer_methods_supported: ['header'],
        resource_name: 'fapi-guard contract API',
        dpop_signing_alg_values_supported: expect.arrayContaining(['ES256', 'PS256']),
        dpop_bound_access_tokens_required: false,
        tls_client_certificate_bound_access_tokens: true,
      }),
    },
  },
  {
    name: 'metadata answers HEAD with the headers of GET and no body (RFC 9110 §9.3.2)',
    request: async () => ({ method: 'HEAD', path: METADATA_PATH }),
    expected: { status: 200, challenge: null, interactionId: null, cacheControl: 'public, max-age=3600', body: undefined },
  },
  {
    name: 'metadata document served with a query string',
    request: async () => ({ path: `${METADATA_PATH}?x=1` }),
    expected: { status: 200, challenge: null, interactionId: null, body: expect.objectContaining({ resource: RESOURCE_IDENTIFIER }) },
  },
  {
    name: 'metadata at the path an identifier with a path derives, with its scopes_supported',
    guard: 'scoped',
    request: async () => ({ path: SCOPED_METADATA_PATH }),
    expected: {
      status: 200,
      challenge: null,
      interactionId: null,
      cacheControl: 'public, max-age=3600',
      body: expect.objectContaining({ resource: SCOPED_RESOURCE_IDENTIFIER, scopes_supported: [GUARD_WIDE_SCOPE, 'accounts:read'] }),
    },
  },
  {
    name: 'no token at a guard whose identifier has a path: the challenge points to its metadata',
    guard: 'scoped',
    request: async () => ({ path: ROUTES.resource.path }),
    expected: noCredentials({}, SCOPED_METADATA_URL),
  },
  {
    name: 'metadata document served by the nonce guard too (no nonce asked)',
    guard: 'nonce',
    request: async () => ({ path: METADATA_PATH }),
    expected: {
      status: 200,
      challenge: null,
      interactionId: null,
      body: expect.objectContaining({ resource: RESOURCE_IDENTIFIER, bearer_methods_supported: ['header'] }),
    },
  },

  // ── RFC 9396 authorization details ───────────────────────────────────────────────────────────
  {
    name: 'malformed authorization_details (not an array) on a route without requirements → 401 invalid_token',
    request: (ctx) => dpopRequest(ctx, { claims: { authorization_details: { type: 'payment_initiation' } } }),
    expected: refusal(401, dpopError('invalid_token', 'authorization_details is not an array')),
  },
  {
    name: 'malformed authorization_details (a detail without type) on a route with a detail requirement → 401 invalid_token',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.payments.path, claims: { authorization_details: [{ actions: ['initiate'] }] }, headers: { [CREDITOR_HEADER]: PAYMENT_IBAN } }),
    expected: refusal(401, dpopError('invalid_token', 'authorization_details[0].type is not a non-empty string')),
  },
  {
    name: 'the payment detail the route needs, to the creditor the request names → 200',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.payments.path, claims: { authorization_details: PAYMENT_DETAILS }, headers: { [CREDITOR_HEADER]: PAYMENT_IBAN } }),
    expected: accepted(dpopBody()),
  },
  {
    name: 'no authorization_details on a route that needs a payment detail → 403 insufficient_authorization_details',
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.payments.path, headers: { [CREDITOR_HEADER]: PAYMENT_IBAN } }),
    expected: refusal(403, dpopError('insufficient_authorization_details', "an authorization detail of type 'payment_initiation' with actions 'initiate'")),
  },
  {
    name: "the payment detail, but the request names another creditor (the route's check gets the request) → 403",
    request: (ctx) => dpopRequest(ctx, { path: ROUTES.payments.path, claims: { authorization_details: PAYMENT_DETAILS }, headers: { [CREDITOR_HEADER]: 'DE89370400440532013000' } }),
    expected: refusal(403, dpopError('insufficient_authorization_details', 'conditions met is required')),
  },
]
