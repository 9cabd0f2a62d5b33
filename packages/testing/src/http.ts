/** HTTP helpers for testing an API over real loopback connections: HTTPS with client certificates, repeated headers, raw requests. */
import { once } from 'node:events'
import { createServer as createHTTPServer, request as httpRequest, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders, type RequestListener, type Server } from 'node:http'
import { createServer as createHTTPSServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'

/** A server listening on loopback. */
export interface Served {
  readonly origin: string
  readonly port: number
  close(): Promise<void>
}

/** TLS settings of an HTTPS test server: its certificate, and client certificates requested but not checked. */
export interface ServerTLS {
  readonly key: string
  readonly cert: string
}

/** Serves `app` on 127.0.0.1 with a random port, over HTTPS (`requestCert`, no chain check) when `tls` is given. */
export async function serve(app: RequestListener, tls?: ServerTLS): Promise<Served> {
  const server: Server =
    tls === undefined
      ? createHTTPServer(app)
      : createHTTPSServer({ key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false }, app)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** An answer, read whole. */
export interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
  json(): unknown
}

/** Request settings: headers (an array value sends the field once per item), TLS client certificate. */
export interface SendOptions {
  method?: string
  /** Request headers; an array sends the field once per item (Node's client allows it for any field). */
  headers?: Readonly<Record<string, string | readonly string[]>>
  /** Client certificate and key (PEM), for HTTPS. */
  cert?: string
  key?: string
  /** CA to trust for the server certificate (HTTPS). */
  ca?: string
  agent?: Agent | false
  /** Request body, sent as given (set `content-type` in `headers`). */
  body?: string
}

/** Sends one request with Node's client and reads the whole answer. */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const target = new URL(url)
  const tls = target.protocol === 'https:'
  return new Promise((resolve, reject) => {
    const request = (tls ? httpsRequest : httpRequest)(
      target,
      {
        method: options.method ?? 'GET',
        headers: (options.headers ?? {}) as OutgoingHttpHeaders,
        ...(options.agent !== undefined && { agent: options.agent }),
        ...(tls && {
          agent: options.agent ?? false,
          ...(options.ca !== undefined ? { ca: options.ca } : { rejectUnauthorized: false }),
          ...(options.cert !== undefined && { cert: options.cert }),
          ...(options.key !== undefined && { key: options.key }),
        }),
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body, json: () => JSON.parse(body) as unknown })
        })
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(options.body)
  })
}

/**
 * Writes a raw HTTP/1.x request on a fresh connection and returns the status and the raw answer.
 * The request must end the connection (`HTTP/1.0`, or `Connection: close`).
 */
export async function sendRaw(port: number, raw: string): Promise<{ status: number; text: string }> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  // Written without ending our side: the request asks for the connection to close after the answer.
  socket.write(raw)
  await once(socket, 'close')
  const text = Buffer.concat(chunks).toString('latin1')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)
  return { status, text }
}
