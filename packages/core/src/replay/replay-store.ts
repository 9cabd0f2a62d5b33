/**
 * Remembers single-use values (DPoP proof `jti`s) until they expire. Implementations must be atomic:
 * of two concurrent `useOnce` calls with one key, exactly one resolves `true`.
 */
export interface ReplayStore {
  /**
   * Marks `key` used until `expiresAt` (milliseconds since the epoch). Resolves `true` the first time,
   * `false` when the key is already in use. Must never forget a key before `expiresAt`; when it cannot
   * keep one more key, it must reject (the request is then refused with 503), never evict a live one.
   */
  useOnce(key: string, expiresAt: number): Promise<boolean>
}

/** Thrown by a replay store that is full of live entries. */
export class ReplayStoreFullError extends Error {
  override readonly name = 'ReplayStoreFullError'
}
