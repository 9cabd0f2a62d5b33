// `deno run --allow-net --allow-env dist/deno.js`: the example on Deno (Deno.serve), its guard options
// as JSON in FAPI_GUARD_OPTIONS. Prints `{"origin":"http://127.0.0.1:<port>"}` once listening; stops
// when its standard input closes.
import { createApp } from './app.js'

declare const Deno: {
  serve(
    options: { port: number; hostname: string; signal: AbortSignal; onListen(address: { port: number }): void },
    handler: (request: Request, info: unknown) => Response | Promise<Response>,
  ): { finished: Promise<void> }
  env: { get(name: string): string | undefined }
  stdin: { readable: AsyncIterable<Uint8Array> }
}

const app = createApp(JSON.parse(Deno.env.get('FAPI_GUARD_OPTIONS') ?? '{}'))
const stop = new AbortController()
// Deno hands the connection's info (`remoteAddr`) to the handler: Hono passes it on as `c.env`.
const server = Deno.serve(
  { port: 0, hostname: '127.0.0.1', signal: stop.signal, onListen: ({ port }) => console.log(JSON.stringify({ origin: `http://127.0.0.1:${port}` })) },
  (request, info) => app.fetch(request, info),
)
for await (const _ of Deno.stdin.readable) {
  // Nothing is read; the loop ends when the parent closes standard input.
}
stop.abort()
await server.finished
