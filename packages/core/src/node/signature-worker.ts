import { verify, type KeyObject } from 'node:crypto'
import { Worker } from 'node:worker_threads'

/** What `crypto.verify` takes as a key: a KeyObject, or one with its padding or signature encoding. */
export type NodeVerifyKey = KeyObject | { key: KeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' }

/** Verifies a signature off the calling thread; resolves `false` for anything that does not verify. */
export type OffThreadVerify = (digest: string | null, data: Uint8Array, key: NodeVerifyKey, signature: Uint8Array) => Promise<boolean>

interface Item {
  readonly digest: string | null
  readonly data: Uint8Array
  readonly key: NodeVerifyKey
  readonly signature: Uint8Array
}

interface Batch {
  readonly items: Item[]
  readonly settle: Array<(valid: boolean) => void>
}

/**
 * The worker's side: every message is a batch, answered with one byte per signature (1: verified).
 * CommonJS, run with `eval`, so that the ESM and CommonJS builds need no file beside them to find.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { verify } = require('node:crypto')
parentPort.on('message', ({ id, items }) => {
  const results = new Uint8Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const { digest, data, key, signature } = items[i]
    try {
      results[i] = verify(digest, data, key, signature) ? 1 : 0
    } catch {
      results[i] = 0
    }
  }
  parentPort.postMessage({ id, results })
})
`

/** Worker failures after which signatures stay on the calling thread for good. */
const MAX_WORKER_FAILURES = 3

/** `crypto.verify` on the calling thread, `false` for what it cannot use. */
function verifyHere(item: Item): boolean {
  try {
    return verify(item.digest, item.data, item.key, item.signature)
  } catch {
    return false
  }
}

/**
 * One worker thread that verifies signatures in batches: every signature the calling thread sends
 * during one turn of its event loop goes over in one message, right after the loop's I/O (a
 * `setImmediate`), and comes back in one. libuv's thread pool (`crypto.verify` with a callback) takes
 * one job, one thread hand-off and one wake-up of the event loop per signature, ~20–50 µs of CPU each;
 * a batch of twenty costs about what one of them does. Key and bytes are copied with the message (a
 * KeyObject crosses threads by reference). The worker is started on first use and does not keep the
 * process alive when nothing waits on it. Should it fail, whatever it held is verified on the calling
 * thread (the same answer), and after `MAX_WORKER_FAILURES` failures everything is. `source` is the
 * worker's code (tests give a failing one).
 */
export function createSignatureWorker(source: string = WORKER_SOURCE): OffThreadVerify {
  let worker: Worker | undefined
  let failures = 0
  let queue: Batch = { items: [], settle: [] }
  let scheduled = false
  let nextId = 0
  const inFlight = new Map<number, Batch>()

  const settleHere = (batch: Batch) => batch.items.forEach((item, i) => batch.settle[i]?.(verifyHere(item)))

  function fail(failed: Worker): void {
    if (worker !== failed) return
    worker = undefined
    failures++
    void failed.terminate()
    for (const batch of inFlight.values()) settleHere(batch)
    inFlight.clear()
  }

  function start(): Worker {
    const started = new Worker(source, { eval: true, name: 'fapi-guard signatures' })
    started.on('message', ({ id, results }: { id: number; results: Uint8Array }) => {
      const batch = inFlight.get(id)
      if (batch === undefined) return
      inFlight.delete(id)
      if (inFlight.size === 0) started.unref()
      batch.settle.forEach((settle, i) => settle(results[i] === 1))
    })
    started.on('error', () => fail(started))
    started.on('exit', () => fail(started))
    return started
  }

  function flush(): void {
    scheduled = false
    const batch = queue
    queue = { items: [], settle: [] }
    if (failures >= MAX_WORKER_FAILURES) {
      settleHere(batch)
      return
    }
    worker ??= start()
    const id = nextId++
    inFlight.set(id, batch)
    worker.ref()
    try {
      worker.postMessage({ id, items: batch.items })
    } catch {
      inFlight.delete(id)
      settleHere(batch)
    }
  }

  return (digest, data, key, signature) =>
    new Promise<boolean>((resolve) => {
      // Copies of exactly these bytes: a view into Node's shared 8 KB pool would send all of it.
      queue.items.push({ digest, data: new Uint8Array(data), key, signature: new Uint8Array(signature) })
      queue.settle.push(resolve)
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    })
}
