/** What `bounded` gives back when the operation did not settle in time. */
export const TIMED_OUT: unique symbol = Symbol('timed out')

/**
 * Runs an operation that may be synchronous, throw, or never settle (a store on the network), and waits
 * for it at most `ms`: then `TIMED_OUT`. When the time is up, one more turn of the event loop is given
 * before giving up, so an answer already received but not yet read (a busy process runs timers before
 * reading sockets) still counts. Rejections pass through.
 */
export async function bounded<T>(operation: () => T | PromiseLike<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expiry = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      timer = setTimeout(() => resolve(TIMED_OUT), 0)
    }, ms)
  })
  try {
    return await Promise.race([Promise.resolve().then(operation), expiry])
  } finally {
    clearTimeout(timer)
  }
}

/** Stores that answer from this process's memory: they settle at once, so their calls need no timer. */
const inProcessStores = new WeakSet<object>()

/** Marks a store built on process memory (the in-memory replay store and introspection cache). */
export function answersInProcess<S extends object>(store: S): S {
  inProcessStores.add(store)
  return store
}

/**
 * Calls a store with a time limit (`bounded`), or, for a store marked by `answersInProcess`, directly:
 * a timer and a race per call are what a store on the network needs, not one in memory.
 */
export async function callStore<S extends object, T>(store: S, operation: (store: S) => T | PromiseLike<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  return inProcessStores.has(store) ? operation(store) : bounded(() => operation(store), ms)
}
