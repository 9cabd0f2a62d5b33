/**
 * The `fetch` the SDK's client transport is given: every request it makes carries the DPoP-bound
 * token (`Authorization: DPoP …`) and a fresh proof for that request's method and URL; a
 * `use_dpop_nonce` challenge is answered once with the server's nonce (RFC 9449 §9).
 */
import { generateProof } from 'dpop'

/** The DPoP key pair the token is bound to (the `dpop` package's, or `FapiTokens.dpopKey`). */
export interface DPoPKeyPair {
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
}

/** A fetch that sends `token` with DPoP proofs made by `key`; `onAnswer` sees each answer's status and headers (tests, logs). */
export function dpopFetch(token: string, key: DPoPKeyPair, onAnswer?: (method: string, response: Response) => void): (url: string | URL, init?: RequestInit) => Promise<Response> {
  let nonce: string | undefined
  return async (url, init) => {
    const target = new URL(url)
    const method = init?.method ?? 'GET'
    for (let attempt = 0; ; attempt += 1) {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `DPoP ${token}`)
      headers.set('dpop', await generateProof(key, `${target.origin}${target.pathname}`, method, nonce, token))
      const response = await fetch(target, { ...init, headers })
      onAnswer?.(method, response)
      nonce = response.headers.get('dpop-nonce') ?? nonce
      const challenge = response.headers.get('www-authenticate') ?? ''
      if (attempt === 0 && response.status === 401 && /error="use_dpop_nonce"/.test(challenge)) continue
      return response
    }
  }
}
