// `bun dist/bun.js`: the example on Bun (Bun.serve), its guard options as JSON in FAPI_GUARD_OPTIONS.
// Prints `{"origin":"http://127.0.0.1:<port>"}` once listening; stops when its standard input closes.
import { createApp } from './app.js'

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: (request: Request, server: unknown) => Response | Promise<Response> }): { port: number; stop(force?: boolean): void }
  stdin: { text(): Promise<string> }
}
declare const process: { env: Record<string, string | undefined> }

const app = createApp(JSON.parse(process.env.FAPI_GUARD_OPTIONS ?? '{}'))
// Bun hands its server to fetch as the second argument: that is where the adapter asks for the peer address.
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request, bunServer) => app.fetch(request, bunServer) })
console.log(JSON.stringify({ origin: `http://127.0.0.1:${server.port}` }))
await Bun.stdin.text()
server.stop(true)
