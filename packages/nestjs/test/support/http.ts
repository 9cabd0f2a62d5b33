import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'

/** An answer, read whole. */
export interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
  json(): unknown
}

/** Request headers; an array value sends the field once per item (two `Authorization` fields, say). */
export type SendHeaders = Readonly<Record<string, string | readonly string[]>>

/** Sends one request with Node's client (which, unlike `fetch`, can repeat a field) and reads the whole answer. */
export function send(url: string, options: { method?: string; headers?: SendHeaders } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method ?? 'GET', agent: false, headers: (options.headers ?? {}) as OutgoingHttpHeaders },
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
    outgoing.on('error', reject)
    outgoing.end()
  })
}
