import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running server. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  close(): Promise<void>
}

/**
 * The `Request` of a Node request: the URL the client addressed (`Host` and the target), every header
 * occurrence (a repeated `Authorization` stays visible, so it is refused), and the body.
 */
async function toRequest(req: IncomingMessage): Promise<Request> {
  const headers = new Headers()
  for (let index = 0; index + 1 < req.rawHeaders.length; index += 2) headers.append(req.rawHeaders[index]!, req.rawHeaders[index + 1]!)
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks)
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, { method, headers, ...(body !== undefined && { body }) })
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  response.headers.forEach((value, name) => res.setHeader(name, value))
  res.writeHead(response.status)
  res.end(Buffer.from(await response.arrayBuffer()))
}

/**
 * Serves a Fetch handler with `node:http` on loopback (port 0 = ephemeral): the few lines a Node
 * host needs where Deno, Bun or Workers call the handler themselves.
 */
export async function serveFetchHandler(handler: (request: Request) => Promise<Response>, port = 0): Promise<RunningServer> {
  const server = createServer((req, res) => {
    toRequest(req)
      .then(handler)
      .then((response) => writeResponse(response, res))
      .catch(() => {
        res.writeHead(500).end()
      })
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
