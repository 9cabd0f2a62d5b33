/**
 * The core tests' kit: one frozen `NOW`, one clock, one request builder, one refusal assertion.
 * Every suite uses these; domain helpers (DPoP clients, certificate formats, a stub introspection
 * server, hand-built JWS) sit beside it in `dpop-kit.ts`, `mtls-kit.ts`, `jws.ts`, `introspection-kit.ts`.
 */
import { expect } from 'vitest'
import { isGuardError, type GuardError } from '../../src/errors/guard-error.js'
import type { ClientCertificate, HeaderRecord, RequestLike } from '../../src/types.js'

/** Frozen "now" of every suite, in seconds (2027-01-15T08:00:00Z). */
export const NOW = 1_800_000_000
/** The protected resource every request addresses unless it says otherwise. */
export const API = 'https://api.example.test/accounts'

/** An injectable clock: `now` in milliseconds (the guard's `clock` option), moved by hand, never by sleeping. */
export class TestClock {
  ms: number
  constructor(seconds = NOW) {
    this.ms = seconds * 1000
  }
  readonly now = (): number => this.ms
  get seconds(): number {
    return Math.floor(this.ms / 1000)
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
}

/** What a test request carries. */
export interface RequestParts {
  /** `Authorization: <scheme> <token>`. */
  readonly token?: string
  /** Default `Bearer`. */
  readonly scheme?: string
  /** The raw `Authorization` value(s) instead of scheme and token (an array keeps repeated fields apart). */
  readonly authorization?: string | readonly string[] | undefined
  /** `DPoP` header value(s). */
  readonly proof?: string | readonly string[] | undefined
  readonly method?: string
  /** Default `API`. */
  readonly url?: string
  readonly headers?: Record<string, string | readonly string[]>
  /** The client certificate of the (simulated) TLS connection. */
  readonly clientCertificate?: ClientCertificate
  readonly peerAddress?: string
}

/** A `RequestLike` (GET `API` unless told otherwise). */
export function requestLike(parts: RequestParts = {}): RequestLike {
  const headers: Record<string, string | readonly string[]> = { ...parts.headers }
  const authorization = parts.token === undefined ? parts.authorization : `${parts.scheme ?? 'Bearer'} ${parts.token}`
  if (authorization !== undefined) headers.authorization = authorization
  if (parts.proof !== undefined) headers.dpop = parts.proof
  return {
    method: parts.method ?? 'GET',
    url: parts.url ?? API,
    headers: headers as HeaderRecord,
    ...(parts.clientCertificate !== undefined && { clientCertificate: parts.clientCertificate }),
    ...(parts.peerAddress !== undefined && { peerAddress: parts.peerAddress }),
  }
}

/** Awaits `promise`, which must reject with a `GuardError` (any); returns it. */
export async function refusal(promise: Promise<unknown>): Promise<GuardError> {
  try {
    await promise
  } catch (error) {
    expect(isGuardError(error), `expected a GuardError, got ${String(error)}`).toBe(true)
    return error as GuardError
  }
  return expect.fail('expected a refusal, but the request was accepted')
}

/** What a refusal must carry. */
export interface ExpectedRefusal {
  readonly status: number
  readonly error: string | undefined
  readonly code: string
  /** `WWW-Authenticate`: exact, or a pattern. */
  readonly challenge?: string | RegExp
  /** `error_description`: exact, or a pattern. */
  readonly description?: string | RegExp
}

/** Awaits `promise`, which must reject with a `GuardError` matching `expected` (status, error, code, challenge, description); returns it. */
export async function expectRefusal(promise: Promise<unknown>, expected: ExpectedRefusal): Promise<GuardError> {
  const error = await refusal(promise)
  expect({ status: error.status, error: error.error, code: error.code }).toEqual({ status: expected.status, error: expected.error, code: expected.code })
  expect(typeof error.description).toBe('string')
  if (typeof expected.challenge === 'string') expect(error.headers['www-authenticate']).toBe(expected.challenge)
  else if (expected.challenge !== undefined) expect(error.headers['www-authenticate']).toMatch(expected.challenge)
  if (typeof expected.description === 'string') expect(error.description).toBe(expected.description)
  else if (expected.description !== undefined) expect(error.description).toMatch(expected.description)
  return error
}

/** 401 `invalid_token` with `code` (and the challenge, when given). */
export function invalidToken(code: string, challenge?: string | RegExp): ExpectedRefusal {
  return { status: 401, error: 'invalid_token', code, ...(challenge !== undefined && { challenge }) }
}

/** 400 `invalid_request` with `code` (and the challenge, when given). */
export function invalidRequest(code: string, challenge?: string | RegExp): ExpectedRefusal {
  return { status: 400, error: 'invalid_request', code, ...(challenge !== undefined && { challenge }) }
}

/** A challenge that carries `error="invalid_token"` (in whichever scheme). */
export const INVALID_TOKEN_CHALLENGE = /error="invalid_token"/

/** 401 with no error code (no credentials). */
export const NO_CREDENTIALS: ExpectedRefusal = { status: 401, error: undefined, code: 'ERR_NO_CREDENTIALS' }

/** Milliseconds `run` takes. */
export async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await run()
  return performance.now() - start
}
