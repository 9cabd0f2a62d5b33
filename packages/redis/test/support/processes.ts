import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const FIXTURE = fileURLToPath(new URL('../fixtures/api-server.mjs', import.meta.url))
const BUILT = ['../../dist/index.js', '../../../express/dist/index.js', '../../../core/dist/node/index.js'].map((path) => fileURLToPath(new URL(path, import.meta.url)))

/** The API processes run the built packages: say so plainly when they are not built. */
export function assertBuilt(): void {
  const missing = BUILT.filter((path) => !existsSync(path))
  if (missing.length > 0) throw new Error(`the multi-process tests run the built packages; run \`npm run build\` first (missing: ${missing.join(', ')})`)
}

export interface APIProcess {
  readonly port: number
  readonly origin: string
  readonly child: ChildProcess
  stop(): Promise<void>
}

/** Forks one API process (test/fixtures/api-server.mjs) and waits until it listens. */
export async function startAPIProcess(env: Record<string, string>): Promise<APIProcess> {
  const child = fork(FIXTURE, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the API process did not start within 15 s')), 15_000)
    child.once('message', (message: { port?: number; error?: string }) => {
      clearTimeout(timer)
      if (typeof message.port === 'number') resolve(message.port)
      else reject(new Error(`the API process failed to start: ${message.error}`))
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the API process exited with ${code} before listening`))
    })
  })
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      await exited
    },
  }
}
