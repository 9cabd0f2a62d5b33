// Which guard verified each AuthContext, so per-route middleware after the guard can ask that guard
// (`authorize` of `@fapi-guard/core/adapter`) without being handed it. Under a registered symbol: every
// copy of the core in the process (its ESM and CommonJS builds, each entry of the CommonJS build) shares
// the one map. Weak: it keeps nothing alive.
const VERIFIED_BY = Symbol.for('@fapi-guard/core:verified-by')
const registry = globalThis as Record<symbol, unknown>

/** AuthContext → the guard whose `verify` returned it. */
export const verifiedBy = (registry[VERIFIED_BY] ??= new WeakMap()) as WeakMap<object, object>
