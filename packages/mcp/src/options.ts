import type { Guard, GuardOptions, VerifyOptions } from '@fapi-guard/core'
import { defineRequirements, isGuard, resolveAdapterGuard } from '@fapi-guard/core/adapter'

/**
 * The core's `GuardOptions`, with the MCP server's canonical URI as `resource` (MCP Authorization,
 * RFC 8707 §2): the token's `aud` must name it (`audience` defaults to it) and the RFC 9728 document
 * describes it (served at its path-inserted well-known URL, linked from every challenge).
 */
export type McpGuardOptions = Omit<GuardOptions, 'audience' | 'resource'> & {
  /**
   * The MCP endpoint's URL (`https://mcp.example.com/mcp`), or the core's `{ identifier, name?,
   * documentation?, scopes? }` whose `identifier` is that URL. https (plain http only on loopback hosts),
   * no query or fragment.
   */
  resource: string | URL | NonNullable<GuardOptions['resource']>
  /** The token's `aud` must name one of these. Default: the resource identifier. */
  audience?: GuardOptions['audience']
}

/** Requirements of one tool or JSON-RPC method: the core's per-route requirements. */
export type McpRequirements = VerifyOptions

/** The core options of `options`, `resource` spelled out and `audience` defaulted to it. */
export function toGuardOptions(options: McpGuardOptions, where: string): GuardOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`fapi-guard: ${where} takes an options object or a Guard`)
  const { resource, audience, ...rest } = options
  const described = typeof resource === 'string' ? { identifier: resource } : resource instanceof URL ? { identifier: resource.href } : resource
  if (typeof described !== 'object' || described === null || typeof described.identifier !== 'string') {
    throw new TypeError(`fapi-guard: ${where} needs "resource": the MCP server's URL (MCP clients find its authorization server through the RFC 9728 document)`)
  }
  return { ...rest, resource: described, audience: audience ?? described.identifier }
}

/** The resource a guard serves (its RFC 9728 `resource`): what `AuthInfo.resource` says. */
export function resourceOf(guard: Guard, where: string): URL {
  const identifier = guard.metadata()?.resource
  if (identifier === undefined) {
    throw new TypeError(`fapi-guard: ${where} needs a guard with a "resource" option: the MCP server's URL (RFC 9728, RFC 8707)`)
  }
  return new URL(identifier)
}

/** The per-call requirement tables: tool name → requirements, JSON-RPC method → requirements. */
export interface RequirementTables {
  /** Requirements of every call (the options' `scopes` when `mcpAuth` built the guard). */
  readonly base: VerifyOptions | undefined
  readonly tools: ReadonlyMap<string, VerifyOptions>
  readonly methods: ReadonlyMap<string, VerifyOptions>
}

/** Options of `mcpAuth` and `mcpAuthFetch` beside the guard's: per-call requirements. */
export interface McpCallOptions {
  /** Tool name → the scopes, step-up (`acrValues`, `maxAge`) and claims a `tools/call` of it needs. */
  tools?: Readonly<Record<string, McpRequirements>>
  /** JSON-RPC method (`tools/call`, `resources/read`, …) → what every call of it needs. */
  methods?: Readonly<Record<string, McpRequirements>>
}

function table(value: unknown, name: 'tools' | 'methods', where: string): ReadonlyMap<string, VerifyOptions> {
  if (value === undefined) return new Map()
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`fapi-guard: ${where} option "${name}" must be an object`)
  return new Map(Object.entries(value).map(([key, requirements]) => [key, defineRequirements(requirements as VerifyOptions, `${where} ${name}["${key}"]`)]))
}

/** The guard and the requirement tables of `mcpAuth(options)` or `mcpAuth(guard, { tools, methods })`. */
export function resolveMcpGate(first: unknown, second: unknown, where: string): { guard: Guard; resource: URL; tables: RequirementTables } {
  let resolved: { guard: Guard; adapterOptions: Partial<Record<'tools' | 'methods', unknown>> }
  let baseScopes: readonly string[] | undefined
  if (isGuard(first)) {
    resolved = resolveAdapterGuard(first, second, ['tools', 'methods'] as const)
  } else {
    // The guard-wide scopes join each call's, so one 403 names every scope a call needs.
    const { scopes, ...core } = toGuardOptions(first as McpGuardOptions, where)
    baseScopes = scopes
    resolved = resolveAdapterGuard(core, second, ['tools', 'methods'] as const)
  }
  const base = baseScopes === undefined || baseScopes.length === 0 ? undefined : defineRequirements({ scopes: baseScopes }, `${where} scopes`)
  const tools = table(resolved.adapterOptions.tools, 'tools', where)
  const methods = table(resolved.adapterOptions.methods, 'methods', where)
  return { guard: resolved.guard, resource: resourceOf(resolved.guard, where), tables: { base, tools, methods } }
}
