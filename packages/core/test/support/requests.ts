import { expect } from 'vitest'
import { isGuardError, type ClientCertificate, type GuardError, type HeaderRecord, type RequestLike } from '../../src/index.js'

/** The frozen "now" of the suite, in seconds. */
export const NOW = 1_750_000_000

/** A `clock` option (milliseconds) frozen at `seconds`. */
export function clockAt(seconds = NOW): () => number {
  return () => seconds * 1000
}

/** A movable clock for key-store tests. */
export interface ManualClock {
  (): number
  /** Moves the clock on by `seconds`. */
  advance(seconds: number): void
}

export function manualClock(seconds = NOW): ManualClock {
  let ms = seconds * 1000
  const clock = (() => ms) as ManualClock
  clock.advance = (by) => {
    ms += by * 1000
  }
  return clock
}

/** The URL the client addressed in every request of the suite. */
export const RESOURCE_URL = 'https://api.example.test/accounts'

export interface RequestExtras {
  readonly url?: string
  readonly method?: string
  readonly headers?: Record<string, string | string[]>
  readonly clientCertificate?: ClientCertificate
}

/** A `RequestLike` with the given `Authorization` value(s) (an array keeps repeated fields apart). */
export function requestWith(authorization: string | string[] | undefined, extras: RequestExtras = {}): RequestLike {
  const headers: Record<string, string | string[]> = { ...extras.headers }
  if (authorization !== undefined) headers.authorization = authorization
  return {
    method: extras.method ?? 'GET',
    url: extras.url ?? RESOURCE_URL,
    headers: headers as HeaderRecord,
    ...(extras.clientCertificate !== undefined && { clientCertificate: extras.clientCertificate }),
  }
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string, extras: RequestExtras = {}): RequestLike {
  return requestWith(`Bearer ${token}`, extras)
}

export interface ExpectedRefusal {
  readonly status: number
  readonly error: string | undefined
  readonly code: string
  /** Exact `WWW-Authenticate` value, when the row defines it. */
  readonly challenge?: string
}

/** Awaits `promise`, which must reject with a `GuardError` matching `expected`; returns the error. */
export async function refused(promise: Promise<unknown>, expected: ExpectedRefusal): Promise<GuardError> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown }
  try {
    outcome = { ok: true, value: await promise }
  } catch (error) {
    outcome = { ok: false, error }
  }
  if (outcome.ok) expect.fail(`expected a refusal with ${expected.code}, but the request was accepted`)
  const error = outcome.error
  expect(isGuardError(error), `expected a GuardError, got ${String(error)}`).toBe(true)
  const guardError = error as GuardError
  expect({ status: guardError.status, error: guardError.error, code: guardError.code }).toEqual({
    status: expected.status,
    error: expected.error,
    code: expected.code,
  })
  if (expected.challenge !== undefined) expect(guardError.headers['www-authenticate']).toBe(expected.challenge)
  return guardError
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

/** Shorthand: 401 `invalid_token` with a given code. */
export function invalidToken(code: string, challenge?: string): ExpectedRefusal {
  return { status: 401, error: 'invalid_token', code, ...(challenge !== undefined && { challenge }) }
}

/** Shorthand: 400 `invalid_request` with a given code. */
export function invalidRequest(code: string, challenge?: string): ExpectedRefusal {
  return { status: 400, error: 'invalid_request', code, ...(challenge !== undefined && { challenge }) }
}

/** Shorthand: 401 with no error code (no credentials). */
export const NO_CREDENTIALS: ExpectedRefusal = { status: 401, error: undefined, code: 'ERR_NO_CREDENTIALS' }

/** Milliseconds `run` takes. */
export async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await run()
  return performance.now() - start
}
