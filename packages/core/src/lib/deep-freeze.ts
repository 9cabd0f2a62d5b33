/**
 * Freezes a JSON value and everything in it. Claims are frozen as soon as they are verified, so a
 * route that tries to change them fails the same way whether or not the value came from a cache.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}
