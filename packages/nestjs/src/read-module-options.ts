/** A boolean module option (`passthrough`, `readyOnBootstrap`); a `TypeError` when it is not a boolean, so a mistake fails the bootstrap. */
function readBoolean(options: unknown, name: string, fallback: boolean): boolean {
  const value = typeof options === 'object' && options !== null ? (options as Record<string, unknown>)[name] : undefined
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`fapi-guard: option "${name}" must be a boolean`)
  return value
}

const DEFAULT_PASSTHROUGH = false
const DEFAULT_READY_ON_BOOTSTRAP = true

/** The module-wide `passthrough` option of `FapiGuardModule` options (default `false`; the module's guard factory reads it first). */
export function readPassthrough(options: unknown): boolean {
  return readBoolean(options, 'passthrough', DEFAULT_PASSTHROUGH)
}

/** The module's `readyOnBootstrap` option (default `true`). */
export function readReadyOnBootstrap(options: unknown): boolean {
  return readBoolean(options, 'readyOnBootstrap', DEFAULT_READY_ON_BOOTSTRAP)
}
