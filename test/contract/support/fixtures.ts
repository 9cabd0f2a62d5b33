import { randomBytes } from 'node:crypto'
import {
  createDPoPKey,
  createLocalIssuer,
  createTestCertificate,
  createTestIssuer,
  type DPoPKey,
  type LocalIssuer,
  type TestCertificate,
  type TestIssuer,
} from '@fapi-guard/testing'
import type { GuardOptions } from '@fapi-guard/core'

/** The guard configurations every adapter serves, each on its own app (own guard, own replay store). */
export type GuardName = 'base' | 'nonce' | 'proxy' | 'introspection' | 'passthrough' | 'scoped' | 'quiet'
export const GUARD_NAMES: readonly GuardName[] = ['base', 'nonce', 'proxy', 'introspection', 'passthrough', 'scoped', 'quiet']

/** Whether the adapter mounts this configuration with `passthrough: true` (optional authentication; not a core option). */
export function isPassthrough(name: GuardName): boolean {
  return name === 'passthrough'
}

/** The API's identifier: the tokens' `aud` and the RFC 9728 `resource`. */
export const RESOURCE_IDENTIFIER = 'https://api.example.test'
export const METADATA_PATH = '/.well-known/oauth-protected-resource'
export const METADATA_URL = `${RESOURCE_IDENTIFIER}${METADATA_PATH}`
/** The public origin clients address behind the (simulated) TLS-terminating proxy. */
export const PUBLIC_ORIGIN = 'https://public.example.test'
/** The `scoped` guard's resource: an identifier with a path, so its metadata is at the derived path (RFC 9728 §3.1). */
export const SCOPED_RESOURCE_IDENTIFIER = `${RESOURCE_IDENTIFIER}/accounts`
export const SCOPED_METADATA_PATH = `${METADATA_PATH}/accounts`
export const SCOPED_METADATA_URL = `${RESOURCE_IDENTIFIER}${SCOPED_METADATA_PATH}`
/** The scope every token needs at the `scoped` guard, whatever the route. */
export const GUARD_WIDE_SCOPE = 'openid'
/** The one proxy the `base` guard trusts (TEST-NET-1): never the suite's client. */
export const UNTRUSTED_SETUP_PROXY = '192.0.2.10'
/** Guard-wide step-up of the `proxy` guard: seconds since `auth_time`. */
export const PROXY_GUARD_MAX_AGE = 3600
/** The `introspection` guard's second issuer claims opaque tokens starting with this. */
export const DOWN_TOKEN_PREFIX = 'down_'
/** An API key in the query of the down issuer's introspection endpoint: no answer may show it. */
export const INTROSPECTION_API_KEY = 'k3y-contract-5e4d3c2b1a'

/** Keys, certificates and issuers made at test time, shared by every adapter. */
export interface Fixtures {
  /** The trusted issuer (discovery, JWKS on loopback). */
  readonly issuer: TestIssuer
  /** A second configured issuer whose server answers 503 to everything (key server down). */
  readonly downIssuer: LocalIssuer
  /** An issuer no guard trusts (tokens signed by a key the guard does not know). */
  readonly strangerIssuer: TestIssuer
  /** The client's DPoP key, and another one. */
  readonly dpopKey: DPoPKey
  readonly otherDPoPKey: DPoPKey
  /** The client's TLS certificate, and another one. */
  readonly clientCertificate: TestCertificate
  readonly otherCertificate: TestCertificate
  /** The HTTPS servers' own certificate. */
  readonly serverCertificate: TestCertificate
  /** DPoP nonce secret of the `nonce` guard. */
  readonly nonceSecret: Uint8Array
  close(): Promise<void>
}

export async function createFixtures(): Promise<Fixtures> {
  const [issuer, downIssuer, strangerIssuer, dpopKey, otherDPoPKey] = await Promise.all([
    createTestIssuer({ audience: RESOURCE_IDENTIFIER }),
    createLocalIssuer({ audience: RESOURCE_IDENTIFIER }),
    createTestIssuer({ audience: RESOURCE_IDENTIFIER }),
    createDPoPKey('ES256'),
    createDPoPKey('ES256'),
  ])
  downIssuer.down = true
  return {
    issuer,
    downIssuer,
    strangerIssuer,
    dpopKey,
    otherDPoPKey,
    clientCertificate: createTestCertificate('client'),
    otherCertificate: createTestCertificate('intruder'),
    serverCertificate: createTestCertificate('localhost'),
    nonceSecret: new Uint8Array(randomBytes(32)),
    close: async () => {
      await Promise.all([issuer.close(), downIssuer.close(), strangerIssuer.close()])
    },
  }
}

/**
 * The options of one guard configuration, made afresh for each adapter (each gets its own guard,
 * replay store and key cache). All of them: the FAPI 2.0 profile (sender-constrained tokens only), two
 * issuers (one down), RFC 9728 metadata, x-fapi-interaction-id on every answer.
 * - `base`: a proxy at another address is trusted, so forwarded headers from the suite's client (loopback) are not.
 * - `nonce`: DPoP server nonces (RFC 9449 §9); no `proxy` option, so no certificate header is read.
 * - `proxy`: loopback is a trusted proxy (forwarded URL, RFC 9440 `Client-Cert`), and a guard-wide step-up `maxAge`.
 * - `passthrough`: the `base` options, mounted by each adapter with its `passthrough: true` (the Fetch
 *   handler: `verifyOptional`), so a request without credentials reaches the route without auth.
 * - `scoped`: a guard-wide scope (`GUARD_WIDE_SCOPE`), and a resource identifier with a path
 *   (`SCOPED_RESOURCE_IDENTIFIER`, its `scopes_supported` listed).
 * - `quiet`: `errorDescriptions: false` (refusals name the error, never a description).
 * - `introspection`: both issuers introspect; the down one claims opaque tokens by `tokenPrefix`, at an
 *   endpoint with an API key in its query.
 */
export function guardOptions(name: GuardName, fixtures: Fixtures): GuardOptions {
  const base: GuardOptions = {
    issuer: [fixtures.issuer.issuer, fixtures.downIssuer.issuer],
    audience: RESOURCE_IDENTIFIER,
    resource: { identifier: RESOURCE_IDENTIFIER, name: 'fapi-guard contract API' },
    interactionId: true,
  }
  switch (name) {
    case 'base':
    case 'passthrough':
      // A proxy is configured, but not on loopback: the suite's client is an untrusted peer.
      return { ...base, proxy: { trusted: [UNTRUSTED_SETUP_PROXY], certificateHeader: 'client-cert' } }
    case 'nonce':
      return { ...base, dpop: { nonce: { secret: fixtures.nonceSecret } } }
    case 'scoped':
      return {
        ...base,
        scopes: [GUARD_WIDE_SCOPE],
        resource: { identifier: SCOPED_RESOURCE_IDENTIFIER, name: 'fapi-guard contract API', scopes: [GUARD_WIDE_SCOPE, 'accounts:read'] },
      }
    case 'quiet':
      return { ...base, errorDescriptions: false }
    case 'proxy':
      return { ...base, proxy: { trusted: ['loopback'], certificateHeader: 'client-cert' }, maxAge: PROXY_GUARD_MAX_AGE }
    case 'introspection':
      return {
        ...base,
        issuer: [
          { issuer: fixtures.issuer.issuer, introspection: { ...fixtures.issuer.introspectionClient, cache: false } },
          {
            issuer: fixtures.downIssuer.issuer,
            introspection: {
              endpoint: `${fixtures.downIssuer.introspectionEndpoint}?api_key=${INTROSPECTION_API_KEY}`,
              clientId: 'contract-api',
              clientSecret: 'contract-secret',
              tokenPrefix: DOWN_TOKEN_PREFIX,
              cache: false,
            },
          },
        ],
      }
  }
}
