import type { JWSAlgorithm, Profile } from '../types.js'

/** What a security profile decides: every `profile === …` test of the options is a row of this table. */
export interface ProfileRules {
  /** Signing algorithms allowed for access tokens and DPoP proofs (a subset may be configured). */
  readonly algorithms: readonly JWSAlgorithm[]
  /** Tokens without a `cnf` binding are refused, and `dpop` and `mtls` cannot both be off. */
  readonly senderConstrained: boolean
  /** `sub`, `client_id`, `iat`, `jti` are required (RFC 9068 §2.2). */
  readonly requireAllClaims: boolean
  /** `tokenTypes` may include `'jwt'` (a `typ` of `JWT`, or none); otherwise only `at+jwt` (RFC 9068 §4). */
  readonly plainJwtTyp: boolean
  /** `audienceClaim` may be `'client_id'` (issuers whose access tokens carry no `aud`). */
  readonly clientIdAudience: boolean
  /** Certificate-bound tokens are required by default and `mtls` cannot be `false` (FAPI 1.0 Part 2 §5.2.2 item 5). */
  readonly mtlsRequired: boolean
  /** `x-fapi-interaction-id` is echoed by default (FAPI 1.0 Part 1 §6.2.1 items 11–12 make it a "shall"; FAPI 2.0 leaves it to deployments). */
  readonly interactionId: boolean
}

/** The profile used when none is given. */
export const DEFAULT_PROFILE: Profile = 'fapi2'

/**
 * The profiles. Algorithms: FAPI 2.0 §5.4.1, FAPI 1.0 Part 2 §8.6, RFC 9068 §2.1. `Ed25519` is the
 * fully-specified name of EdDSA over Ed25519 (RFC 9864), which FAPI 2.0 allows and the `dpop` package and
 * oidc-provider use; `EdDSA` is accepted for the same keys.
 */
export const PROFILES = {
  fapi2: {
    algorithms: ['PS256', 'ES256', 'EdDSA', 'Ed25519'],
    senderConstrained: true,
    requireAllClaims: true,
    plainJwtTyp: false,
    clientIdAudience: false,
    mtlsRequired: false,
    interactionId: false,
  },
  'fapi1-advanced': {
    algorithms: ['PS256', 'ES256'],
    senderConstrained: true,
    requireAllClaims: true,
    plainJwtTyp: false,
    clientIdAudience: false,
    mtlsRequired: true,
    interactionId: true,
  },
  oauth2: {
    algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
    senderConstrained: false,
    requireAllClaims: false,
    plainJwtTyp: true,
    clientIdAudience: true,
    mtlsRequired: false,
    interactionId: false,
  },
} as const satisfies Record<Profile, ProfileRules>

/** Algorithms each profile allows (exported from the main entry only as a deprecated name). */
export const PROFILE_ALGORITHMS: Readonly<Record<Profile, readonly JWSAlgorithm[]>> = {
  fapi2: PROFILES.fapi2.algorithms,
  'fapi1-advanced': PROFILES['fapi1-advanced'].algorithms,
  oauth2: PROFILES.oauth2.algorithms,
}
