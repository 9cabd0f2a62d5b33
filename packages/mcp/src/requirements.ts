import type { VerifyOptions } from '@fapi-guard/core'
import type { McpCall } from './json-rpc.js'
import type { RequirementTables } from './options.js'

/** What a request needs, in the order it is checked. */
export interface CallRequirements {
  /** For `guard.verify`: every scope the request needs. */
  readonly verify: VerifyOptions | undefined
  /** Step-up and claim requirements, each checked with `authorize` after `verify`. */
  readonly then: readonly VerifyOptions[]
}

function applying(calls: readonly McpCall[], tables: RequirementTables): VerifyOptions[] {
  const sets: VerifyOptions[] = tables.base === undefined ? [] : [tables.base]
  const add = (requirements: VerifyOptions | undefined) => {
    if (requirements !== undefined && !sets.includes(requirements)) sets.push(requirements)
  }
  for (const call of calls) {
    add(tables.methods.get(call.method))
    if (call.method === 'tools/call' && call.name !== undefined) add(tables.tools.get(call.name))
  }
  return sets
}

/**
 * The requirements of a request's calls (a batch: of every call): the base requirements, each call's
 * method's, and for `tools/call` its tool's. The scopes are merged into one list, checked first: a
 * token lacking any of them gets one 403 `insufficient_scope` naming them all (RFC 6750 §3.1; MCP asks
 * for every scope the operation needs, and its clients step up scopes on that 403). Step-up
 * (`acrValues`, `maxAge`; 401 `insufficient_user_authentication`, RFC 9470) and claims come after,
 * each set checked as given, never merged.
 */
export function callRequirements(calls: readonly McpCall[], tables: RequirementTables): CallRequirements {
  const sets = applying(calls, tables)
  const scopes = [...new Set(sets.flatMap((set) => set.scopes ?? []))]
  const then = sets
    .map(({ acrValues, maxAge, claims }) => ({ ...(acrValues !== undefined && { acrValues }), ...(maxAge !== undefined && { maxAge }), ...(claims !== undefined && { claims }) }))
    .filter((set) => Object.keys(set).length > 0)
  return { verify: scopes.length === 0 ? undefined : { scopes }, then }
}
