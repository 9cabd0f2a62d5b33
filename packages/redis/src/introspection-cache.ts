import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { IntrospectionCacheStore } from '@fapi-guard/core'
import { checkCommon, checkFunction, fail, withTimeout, type RedisClient } from './shared.js'

/** Options of `createRedisIntrospectionCache`. */
export interface RedisIntrospectionCacheOptions {
  /** Put before every key the guard passes (SHA-256 of issuer and token). Default `fapi-guard:introspection:`. */
  prefix?: string
  /**
   * 32-byte AES-256-GCM key(s). With a key, values are encrypted and authenticated at rest (bound to
   * their Redis key); without one they are stored as JSON. A list rotates keys: the first encrypts,
   * every one decrypts. Default none.
   */
  encryptionKey?: Uint8Array | readonly Uint8Array[]
  /** Milliseconds one `GET`/`SET` may take before it counts as a miss / is skipped. Default 100. */
  commandTimeout?: number
  /** Told about every Redis failure (error or timeout); the cache then reports a miss or skips the write. */
  onError?: (error: unknown, operation: 'get' | 'set') => void
  /** Current time in milliseconds since the epoch, for the expiry sealed in each value. Default `Date.now`. */
  clock?: () => number
}

export const DEFAULT_INTROSPECTION_PREFIX = 'fapi-guard:introspection:'
const FACTORY = 'createRedisIntrospectionCache'
const OPTIONS = ['prefix', 'encryptionKey', 'commandTimeout', 'onError', 'clock']
const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
/** First byte of an encrypted value: the format (AES-256-GCM, 1-byte key id, 12-byte IV, ciphertext, 16-byte tag). */
const FORMAT_V1 = 0x01
const HEADER_BYTES = 2 + IV_BYTES

interface EncryptionKey {
  readonly id: number
  readonly key: Buffer
}

function readKeys(value: unknown): EncryptionKey[] | undefined {
  if (value === undefined) return undefined
  const list = Array.isArray(value) ? (value as unknown[]) : [value]
  if (list.length === 0) fail(FACTORY, 'encryptionKey', 'must not be an empty list')
  return list.map((key) => {
    if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) fail(FACTORY, 'encryptionKey', `must be ${KEY_BYTES} bytes (or a list of such keys)`)
    const bytes = Buffer.from(key)
    // The key id tells readers which key sealed a value (one byte of the key's SHA-256: reveals nothing usable).
    return { id: createHash('sha256').update(bytes).digest()[0] as number, key: bytes }
  })
}

/** The stored plaintext: the response and the time it stops being valid (so a key whose TTL was removed still expires). */
interface Envelope {
  readonly expiresAt: number
  readonly response: Record<string, unknown>
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseEnvelope(text: string, now: number): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isRecord(value) || typeof value.expiresAt !== 'number' || !isRecord(value.response)) return undefined
  return value.expiresAt > now ? value.response : undefined
}

function additionalData(format: number, id: number, key: string): Buffer {
  // Binds a value to its key: a ciphertext copied under another token's key does not authenticate.
  return Buffer.concat([Buffer.from([format, id]), Buffer.from(key, 'utf8')])
}

function seal(plaintext: string, key: EncryptionKey, cacheKey: string): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(additionalData(FORMAT_V1, key.id, cacheKey))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.from([FORMAT_V1, key.id]), iv, body, cipher.getAuthTag()])
}

function open(value: Buffer, keys: readonly EncryptionKey[], cacheKey: string): string | undefined {
  if (value.length < HEADER_BYTES + TAG_BYTES || value[0] !== FORMAT_V1) return undefined
  const id = value[1] as number
  const iv = value.subarray(2, HEADER_BYTES)
  const body = value.subarray(HEADER_BYTES, value.length - TAG_BYTES)
  const tag = value.subarray(value.length - TAG_BYTES)
  for (const key of keys) {
    if (key.id !== id) continue
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES })
      decipher.setAAD(additionalData(FORMAT_V1, id, cacheKey))
      decipher.setAuthTag(tag)
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
    } catch {
      // Not this key (or tampered): try the next key with the same id, then give up.
    }
  }
  return undefined
}

/**
 * An introspection cache (`introspection.cache.store`) on Redis, shared by every instance of an API:
 * one introspection call per token and TTL for the whole fleet. Values are kept with `SET … PX ttlMs`;
 * with `encryptionKey` they are AES-256-GCM encrypted at rest (random 12-byte IV per value, key id and
 * format byte, authenticated together with the Redis key). A value that is missing, expired, fails to
 * decrypt or does not parse is a miss.
 *
 * Redis failures never refuse or allow a request by themselves: a failed or slow `GET` is a miss (the
 * guard calls the introspection endpoint, which fails closed on its own), a failed `SET` is skipped.
 */
export function createRedisIntrospectionCache(redis: RedisClient, options: RedisIntrospectionCacheOptions = {}): IntrospectionCacheStore {
  const { prefix, timeoutMs } = checkCommon(FACTORY, redis, options, OPTIONS, DEFAULT_INTROSPECTION_PREFIX)
  const keys = readKeys(options.encryptionKey)
  const onError = checkFunction<NonNullable<RedisIntrospectionCacheOptions['onError']>>(FACTORY, 'onError', options.onError)
  const clock = checkFunction<() => number>(FACTORY, 'clock', options.clock) ?? Date.now
  const report = (error: unknown, operation: 'get' | 'set') => {
    try {
      onError?.(error, operation)
    } catch {
      // A throwing logger must not change the outcome.
    }
  }

  return {
    async get(key) {
      let value: Buffer | null
      try {
        value = await withTimeout(redis.getBuffer(`${prefix}${key}`), timeoutMs, 'GET')
      } catch (error) {
        report(error, 'get')
        return undefined
      }
      if (value === null) return undefined
      const text = keys === undefined ? value.toString('utf8') : open(value, keys, key)
      return text === undefined ? undefined : parseEnvelope(text, clock())
    },

    async set(key, response, ttlMs) {
      // PX takes whole milliseconds; rounding down never keeps a value longer than asked.
      const px = Math.floor(ttlMs)
      if (!Number.isFinite(px) || px < 1 || !isRecord(response)) return
      const envelope: Envelope = { expiresAt: clock() + px, response }
      const text = JSON.stringify(envelope)
      const value = keys === undefined ? text : seal(text, keys[0] as EncryptionKey, key)
      try {
        await withTimeout(redis.set(`${prefix}${key}`, value, 'PX', px), timeoutMs, 'SET PX')
      } catch (error) {
        report(error, 'set')
      }
    },
  }
}
