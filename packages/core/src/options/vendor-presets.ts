import type { GuardOptions } from './types.js'
import { deepFreeze } from '../lib/deep-freeze.js'

/**
 * The options one vendor's documented access tokens need, to spread into `createGuard`:
 * `createGuard({ ...presets.keycloak, issuer, audience })`. A preset says nothing about trust — the
 * issuer, the audience and the keys are always yours to give — and never lifts a signature, issuer,
 * expiry or audience check; it only accepts the vendor's documented token shape.
 */
export type VendorPreset = Readonly<Pick<GuardOptions, 'profile' | 'tokenTypes' | 'scopeClaim' | 'clientIdClaim' | 'audienceClaim'>>

/** `typ: JWT`, or none: what every vendor below issues by default instead of RFC 9068's `at+jwt`. */
const LEGACY_TYP = ['at+jwt', 'jwt'] as const

/**
 * Vendor presets (profile `oauth2`: none of these vendors' default tokens is sender-constrained, and
 * their `typ`/`alg` are not FAPI's). A FAPI deployment keeps the default profile and its vendor's
 * RFC 9068 (`at+jwt`), DPoP- or certificate-bound tokens instead. Sources: README "Vendor presets".
 */
export const presets = deepFreeze({
  /**
   * Keycloak: header `typ: JWT`; `scope` space-delimited; the client in `azp` (`client_id` in newer
   * service-account tokens); `aud` names this API only with an Audience mapper (Server Administration
   * Guide, "Audience support"). Issuer `https://<host>/realms/<realm>`.
   */
  keycloak: { profile: 'oauth2', tokenTypes: LEGACY_TYP, scopeClaim: 'scope', clientIdClaim: ['client_id', 'azp'] },
  /**
   * Auth0: `typ: JWT` (Auth0 token profile) or `at+jwt` (RFC 9068 profile); `scope` space-delimited
   * (RBAC adds a `permissions` array: spread, then `scopeClaim: 'permissions'`); the client in `azp`
   * or (RFC 9068 profile) `client_id`; `aud` a string or an array with the `/userinfo` URL. Issuer
   * `https://<tenant>.auth0.com/`, with its trailing slash.
   */
  auth0: { profile: 'oauth2', tokenTypes: LEGACY_TYP, scopeClaim: 'scope', clientIdClaim: ['client_id', 'azp'] },
  /**
   * Microsoft Entra ID, v2.0 access tokens: `typ: JWT`; delegated permissions in `scp` (space-delimited),
   * application permissions in `roles` (an array; app-only tokens carry no `scp`); the client in `azp`
   * (`appid` in v1.0 tokens); `aud` the API's client id. Issuer `https://login.microsoftonline.com/<tenant>/v2.0`.
   */
  entra: { profile: 'oauth2', tokenTypes: LEGACY_TYP, scopeClaim: ['scp', 'roles'], clientIdClaim: ['azp', 'appid'] },
  /**
   * Okta custom authorization servers: no `typ`; `scp` an array; the client in `cid`; `aud` the
   * authorization server's audience (`api://default`). Issuer `https://<org>.okta.com/oauth2/<id>`.
   */
  okta: { profile: 'oauth2', tokenTypes: LEGACY_TYP, scopeClaim: 'scp', clientIdClaim: ['cid'] },
  /**
   * AWS Cognito user pools: no `typ`; no `aud` — `client_id` names the app client (give the app client
   * id(s) as `audience`) and `token_use` is `access`; `scope` space-delimited. Issuer
   * `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`.
   */
  cognito: { profile: 'oauth2', tokenTypes: LEGACY_TYP, scopeClaim: 'scope', clientIdClaim: ['client_id'], audienceClaim: 'client_id' },
  /**
   * PingOne: `typ` absent (optionally `at+jwt`); `client_id`, `scope` space-delimited, `aud` the
   * resource. Issuer `https://auth.pingone.<region>/<environmentId>/as`.
   */
  pingone: { profile: 'oauth2', tokenTypes: LEGACY_TYP, scopeClaim: 'scope', clientIdClaim: ['client_id'] },
} satisfies Record<string, VendorPreset>)
