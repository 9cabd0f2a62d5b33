import { createGuard } from '../index.js'
import { resolveAdapterGuardWith, type AdapterGuard } from './resolve-adapter-guard.js'

/**
 * `@fapi-guard/core/adapter`: what a framework adapter needs, so it holds no OAuth or HTTP policy and no
 * guard state of its own. This entry point builds guards with Web Crypto; on Node the `node` export
 * condition gives the same names backed by `node:crypto`.
 */

/**
 * `guard(options)` or `guard(existingGuard, adapterOptions)`, split and built: the adapter's own
 * options (`adapterKeys`) apart from the core's, so the core's check of unknown options stays strict;
 * the core guard is built now (a `TypeError` names a bad option). The adapter checks its own values.
 */
export function resolveAdapterGuard<K extends string>(first: unknown, second: unknown, adapterKeys: readonly K[]): AdapterGuard<K> {
  return resolveAdapterGuardWith(first, second, adapterKeys, createGuard)
}

export {
  authorize,
  defineAuthentication,
  defineAuthorizationDetails,
  defineClaims,
  defineRequirements,
  defineScopes,
  guardOf,
  isGuard,
  isMissingCredentials,
  metadataResponse,
  passedRefusal,
  passWithoutCredentials,
  refusalResponse,
} from './public.js'
export type {
  AdapterGuard,
  AuthContext,
  AuthenticationRequirement,
  AuthorizationDetailRequirement,
  ClaimRequirement,
  Guard,
  GuardError,
  HTTPAnswer,
  MetadataRequest,
  VerifyOptions,
} from './public.js'
