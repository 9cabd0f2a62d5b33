/**
 * What handing a signature to another thread costs: CPU time (all threads) and wall time per ES256
 * verification, with 1, 4 and 20 verifications in flight: on the calling thread, as one libuv job each
 * (`crypto.verify` with a callback, what `offloadSignatures` does), and — an experiment tried for issue
 * 21 and not adopted — through one worker thread that takes every signature of one event-loop turn in
 * one message and answers the batch at once. `npm run bench:offload` (`tsx bench/offload.ts`);
 * BENCH_VERIFICATIONS (20 000 per case), BENCH_ROUNDS (3; the table gives the median over rounds, the
 * cases alternated).
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { median } from './lib/http-harness.js'

const COUNT = Number(process.env.BENCH_VERIFICATIONS ?? 20_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const key = { key: publicKey, dsaEncoding: 'ieee-p1363' as const }
const data = Buffer.from(`${'eyJhbGciOiJFUzI1NiJ9'}.${'x'.repeat(380)}`, 'latin1')
const signature = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })

/** The experiment: one worker, one message per event-loop turn each way. */
function batchedWorker(): () => Promise<boolean> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads')
     const { verify } = require('node:crypto')
     parentPort.on('message', (items) => parentPort.postMessage(items.map(([data, key, signature]) => verify('sha256', data, key, signature))))`,
    { eval: true },
  )
  worker.unref()
  let queue: Array<[Uint8Array, typeof key, Uint8Array]> = []
  let waiting: Array<(valid: boolean) => void> = []
  const batches: Array<Array<(valid: boolean) => void>> = []
  worker.on('message', (answers: boolean[]) => (batches.shift() ?? []).forEach((settle, i) => settle(answers[i] === true)))
  const flush = () => {
    batches.push(waiting)
    worker.postMessage(queue)
    queue = []
    waiting = []
  }
  return () =>
    new Promise((resolve) => {
      if (queue.length === 0) setImmediate(flush)
      queue.push([new Uint8Array(data), key, new Uint8Array(signature)])
      waiting.push(resolve)
    })
}

type Verify = () => Promise<boolean>
const WAYS: Record<string, Verify | null> = {
  'calling thread': null,
  'libuv job per signature': () => new Promise((resolve) => verify('sha256', data, key, signature, (error, valid) => resolve(!error && valid))),
  'one worker, a batch per event-loop turn (experiment)': batchedWorker(),
}

const cpuNow = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/** µs of CPU and of wall time per verification, `inFlight` kept going until `COUNT` are done. */
async function measure(way: Verify | null, inFlight: number): Promise<{ cpu: number; wall: number }> {
  const cpu = cpuNow()
  const wall = performance.now()
  if (way === null) {
    for (let i = 0; i < COUNT; i++) if (!verify('sha256', data, key, signature)) throw new Error('does not verify')
  } else {
    let started = 0
    const lane = async () => {
      while (started < COUNT) {
        started++
        if (!(await way())) throw new Error('does not verify')
      }
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
  }
  return { cpu: (cpuNow() - cpu) / COUNT, wall: ((performance.now() - wall) * 1000) / COUNT }
}

const results = new Map<string, { cpu: number[]; wall: number[] }>()
for (let round = 0; round < ROUNDS; round++) {
  const order = Object.entries(WAYS)
  if (round % 2 === 1) order.reverse()
  for (const [name, way] of order) {
    for (const inFlight of way === null ? [1] : [1, 4, 20]) {
      const { cpu, wall } = await measure(way, inFlight)
      const id = way === null ? name : `${name}, ${inFlight} in flight`
      const entry = results.get(id) ?? { cpu: [], wall: [] }
      entry.cpu.push(cpu)
      entry.wall.push(wall)
      results.set(id, entry)
    }
  }
}
const base = median(results.get('calling thread')?.cpu ?? [])
console.log(`ES256 verification, ${COUNT} per case, median of ${ROUNDS} rounds — Node ${process.version}\n`)
console.log('| how | CPU µs per verify | over the calling thread | wall µs per verify |')
console.log('| --- | ---: | ---: | ---: |')
for (const [id, { cpu, wall }] of results) {
  const over = median(cpu) - base
  console.log(`| ${id} | ${median(cpu).toFixed(1)} | ${id === 'calling thread' ? '' : `${over >= 0 ? '+' : ''}${over.toFixed(1)}`} | ${median(wall).toFixed(1)} |`)
}
process.exit(0)
