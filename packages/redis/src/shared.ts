import type { Cluster, Redis } from 'ioredis'

/** A connected `ioredis` client: a single node (also through Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster

/** Milliseconds a Redis command may take before the store gives up on it (per call, see the README). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 100

/** A Redis command that did not answer within `commandTimeout`. */
export class RedisCommandTimeoutError extends Error {
  override readonly name = 'RedisCommandTimeoutError'
}

export function fail(factory: string, option: string, problem: string): never {
  throw new TypeError(`fapi-guard: ${factory} option "${option}" ${problem}`)
}

/** Checks the things every store needs: a client with the commands used, the options object, prefix and timeout. */
export function checkCommon(
  factory: string,
  redis: unknown,
  options: unknown,
  known: readonly string[],
  defaultPrefix: string,
): { prefix: string; timeoutMs: number } {
  if (typeof redis !== 'object' || redis === null || typeof (redis as { set?: unknown }).set !== 'function') {
    throw new TypeError(`fapi-guard: ${factory} needs an ioredis client (Redis or Cluster) as its first argument`)
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`fapi-guard: ${factory} takes an options object as its second argument`)
  }
  for (const name of Object.keys(options)) if (!known.includes(name)) fail(factory, name, 'is not a known option')
  const { prefix = defaultPrefix, commandTimeout = DEFAULT_COMMAND_TIMEOUT_MS } = options as { prefix?: unknown; commandTimeout?: unknown }
  if (typeof prefix !== 'string') fail(factory, 'prefix', 'must be a string')
  if (typeof commandTimeout !== 'number' || !Number.isFinite(commandTimeout) || commandTimeout <= 0) {
    fail(factory, 'commandTimeout', 'must be a finite number of milliseconds above 0')
  }
  return { prefix, timeoutMs: commandTimeout }
}

export function checkFunction<T>(factory: string, option: string, value: unknown): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(factory, option, 'must be a function')
  return value as T | undefined
}

/**
 * Resolves with the command's reply, or rejects with `RedisCommandTimeoutError` after `ms`. The command
 * may still run on the server afterwards; its late reply (or error) is dropped, never left unhandled.
 *
 * The deadline is checked once more after the event loop's next poll phase (`setImmediate`): on a busy
 * process, timers run before pending socket reads, so a reply that already arrived would otherwise lose
 * to its own timer and a healthy Redis would be reported as down (a burst of 503s under load).
 */
export function withTimeout<T>(command: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  let immediate: ReturnType<typeof setImmediate> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      immediate = setImmediate(() => reject(new RedisCommandTimeoutError(`Redis ${what} did not answer within ${ms} ms`)))
    }, ms)
  })
  command.catch(() => {})
  return Promise.race([command, timeout]).finally(() => {
    clearTimeout(timer)
    if (immediate !== undefined) clearImmediate(immediate)
  })
}
