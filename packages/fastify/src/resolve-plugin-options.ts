import type { Guard } from '@fapi-guard/core'
import { isGuard, resolveAdapterGuard } from '@fapi-guard/core/adapter'

/** Options Fastify itself adds to every `register` call; they are not the guard's. */
const REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'] as const
const DEFAULT_PASSTHROUGH = false

/**
 * The core guard and `passthrough` from the plugin options, through the core's `resolveAdapterGuard`:
 * the guard options (plus `passthrough`), or `{ guard, passthrough? }` with a `Guard` from `createGuard`
 * (`register` takes one options object, so the guard goes in it). Checked now: a mistake fails
 * `register` with a `TypeError`.
 */
export function resolvePluginOptions(options: unknown): { guard: Guard; passthrough: boolean } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('fapi-guard: register(fapiGuard, options) takes the guard options, or { guard } with a Guard from createGuard()')
  }
  const own: Record<string, unknown> = { ...options }
  for (const name of REGISTER_OPTIONS) delete own[name]
  let resolved
  if ('guard' in own) {
    const { guard, ...rest } = own
    if (!isGuard(guard)) throw new TypeError('fapi-guard: option "guard" must be a Guard from createGuard()')
    const extra = Object.keys(rest).find((key) => key !== 'passthrough')
    if (extra !== undefined) throw new TypeError(`fapi-guard: option "${extra}" cannot go with "guard"; give core options to createGuard()`)
    resolved = resolveAdapterGuard(guard, rest, ['passthrough'] as const)
  } else {
    resolved = resolveAdapterGuard(own, undefined, ['passthrough'] as const)
  }
  const { passthrough = DEFAULT_PASSTHROUGH } = resolved.adapterOptions
  if (typeof passthrough !== 'boolean') throw new TypeError('fapi-guard: option "passthrough" must be a boolean')
  return { guard: resolved.guard, passthrough }
}
