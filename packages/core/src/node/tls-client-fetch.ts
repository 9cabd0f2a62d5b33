import { request } from 'node:https'

/** Most bytes read from a response before the exchange is cut off. */
const MAX_RESPONSE_BYTES = 1024 * 1024
/** Statuses whose `Response` must have no body (Fetch standard "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/**
 * A minimal `fetch` that presents a client certificate over TLS (`tls_client_auth`, RFC 8705 §2.1),
 * for introspection calls: Node's global fetch cannot take a client certificate without undici's
 * dispatcher. Handles what the guard's exchanges need: method, headers, string body, abort signal.
 */
export function createTLSClientFetch(certificate: { readonly cert: string; readonly key: string }): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
      const signal = init.signal ?? undefined
      if (signal?.aborted) return reject(signal.reason)
      const outgoing = request(
        url,
        {
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string>,
          cert: certificate.cert,
          key: certificate.key,
          ...(signal !== undefined && { signal }),
        },
        (incoming) => {
          const chunks: Buffer[] = []
          let size = 0
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > MAX_RESPONSE_BYTES) incoming.destroy(new Error('response too large'))
            else chunks.push(chunk)
          })
          incoming.on('error', reject)
          incoming.on('end', () => {
            const headers = new Headers()
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (typeof value === 'string') headers.set(name, value)
              else if (Array.isArray(value)) for (const item of value) headers.append(name, item)
            }
            // `new Response` throws for a status outside 200–599, and for a body with 204/205/304: an
            // exception here would escape the event handler (an uncaught exception) and leave the promise pending.
            const status = incoming.statusCode ?? 500
            try {
              resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, headers }))
            } catch (error) {
              reject(error)
            }
          })
        },
      )
      outgoing.on('error', reject)
      outgoing.end(typeof init.body === 'string' ? init.body : undefined)
    })
}
