import type { TestCertificate } from '@fapi-guard/testing'
import type { Fixtures, GuardName } from './fixtures.js'

/** One request of a case, independent of the adapter: the origin comes from the target. */
export interface ContractRequest {
  readonly method?: string
  /** Path and query, starting with `/`. */
  readonly path: string
  /** Request headers; an array sends the field once per item. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>
  /** Client certificate presented in the TLS handshake (or handed to the Fetch handler as `clientCertificate`). */
  readonly certificate?: TestCertificate
}

/** An answer as every adapter is compared on: status, headers by lower-case name, JSON body. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly contentType: string | undefined
  readonly body: unknown
}

/** One adapter, started: an app per guard configuration, reachable by `send`. */
export interface Target {
  /** The origin the server sees (scheme, host and port the client connects to) for a guard's app. */
  origin(guard: GuardName): string
  send(guard: GuardName, request: ContractRequest): Promise<Answer>
  close(): Promise<void>
}

/** How an adapter is started for the suite. */
export interface Adapter {
  readonly name: string
  start(fixtures: Fixtures): Promise<Target>
}
