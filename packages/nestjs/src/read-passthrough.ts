const DEFAULT_PASSTHROUGH = false

/**
 * The module-wide `passthrough` option of `FapiGuardModule` options (default `false`); a `TypeError`
 * when it is not a boolean, so a mistake fails the bootstrap (the module's guard factory reads it first).
 */
export function readPassthrough(options: unknown): boolean {
  const value = typeof options === 'object' && options !== null ? (options as { passthrough?: unknown }).passthrough : undefined
  if (value === undefined) return DEFAULT_PASSTHROUGH
  if (typeof value !== 'boolean') throw new TypeError('fapi-guard: option "passthrough" must be a boolean')
  return value
}

const DEFAULT_READY_ON_BOOTSTRAP = true

/** The module's `readyOnBootstrap` option (default `true`); a `TypeError` when it is not a boolean. */
export function readReadyOnBootstrap(options: unknown): boolean {
  const value = typeof options === 'object' && options !== null ? (options as { readyOnBootstrap?: unknown }).readyOnBootstrap : undefined
  if (value === undefined) return DEFAULT_READY_ON_BOOTSTRAP
  if (typeof value !== 'boolean') throw new TypeError('fapi-guard: option "readyOnBootstrap" must be a boolean')
  return value
}
