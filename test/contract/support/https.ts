import { once } from 'node:events'
import type { IncomingHttpHeaders, OutgoingHttpHeaders, RequestListener } from 'node:http'
import { createServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TestCertificate } from '@fapi-guard/testing'
import type { Answer, ContractRequest } from './target.js'

/**
 * HTTPS server options of every app in the suite: the server's certificate, client certificates
 * requested but not checked against a CA (RFC 8705 §6.2: the guard checks the binding, not the chain).
 */
export function tlsOptions(server: TestCertificate): { key: string; cert: string; requestCert: true; rejectUnauthorized: false } {
  return { key: server.key, cert: server.cert, requestCert: true, rejectUnauthorized: false }
}

/** A server listening on loopback. */
export interface Served {
  readonly origin: string
  close(): Promise<void>
}

/** Serves a Node request listener over HTTPS on 127.0.0.1, random port. */
export async function serveHTTPS(listener: RequestListener, server: TestCertificate): Promise<Served> {
  const https = createServer(tlsOptions(server), listener)
  https.listen(0, '127.0.0.1')
  await once(https, 'listening')
  const { port } = https.address() as AddressInfo
  return {
    origin: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        https.closeAllConnections()
        https.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

function first(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(headers)) result[name] = Array.isArray(value) ? value.join(', ') : value
  return result
}

/** Reads a body as JSON when it says it is JSON, else as text. */
export function parseBody(contentType: string | undefined, text: string): unknown {
  // No body at all (a HEAD answer): nothing to parse.
  if (text === '') return undefined
  if (contentType !== undefined && /^application\/json\b/.test(contentType)) return JSON.parse(text) as unknown
  return text
}

/**
 * Sends one request with Node's HTTPS client on a fresh connection (so each request presents its own
 * client certificate, or none), repeating a header once per array item, and reads the whole answer.
 */
export function sendHTTPS(origin: string, request: ContractRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      new URL(request.path, origin),
      {
        method: request.method ?? 'GET',
        headers: (request.headers ?? {}) as OutgoingHttpHeaders,
        agent: false,
        rejectUnauthorized: false,
        ...(request.certificate !== undefined && { cert: request.certificate.cert, key: request.certificate.key }),
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const headers = first(response.headers)
          const contentType = headers['content-type']
          try {
            resolve({ status: response.statusCode ?? 0, headers, contentType, body: parseBody(contentType, Buffer.concat(chunks).toString('utf8')) })
          } catch (error) {
            reject(error as Error)
          }
        })
        response.on('error', reject)
      },
    )
    outgoing.on('error', reject)
    outgoing.end()
  })
}
