/**
 * GuardError as a value (its two constructor forms, its cause) and what the pipeline does with an error
 * that is not a refusal: ERR_INTERNAL, 500, the original error kept as cause and handed to onDecision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { createGuard } from '../../src/node/index.js'
import { GuardError } from '../../src/errors/guard-error.js'
import type { DecisionEvent } from '../../src/audit/decision-event.js'
import { NOW, TestClock, refusal, requestLike } from '../support/kit.js'

describe('GuardError', () => {
  it('takes an options object: code, description, cause, detail and headers', () => {
    const cause = new Error('the jwks_uri answered 404')
    const error = new GuardError({ code: 'ERR_INSUFFICIENT_SCOPE', description: 'needs more', scope: 'a b', cause, headers: { 'x-a': '1' }, describe: false })
    expect(error).toMatchObject({ status: 403, error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE', description: 'needs more', scope: 'a b', headers: { 'x-a': '1' } })
    expect(error.cause).toBe(cause)
    expect(error.toJSON()).toEqual({ error: 'insufficient_scope' })
  })

  it('keeps the positional form: (code, description, detail) and the deprecated (…, headers, describe)', () => {
    expect(new GuardError('ERR_JWT_EXPIRED', 'expired', { scheme: 'DPoP' })).toMatchObject({ status: 401, scheme: 'DPoP', headers: {} })
    const legacy = new GuardError('ERR_JWT_EXPIRED', 'expired', {}, { 'www-authenticate': 'Bearer' }, false)
    expect(legacy.headers).toEqual({ 'www-authenticate': 'Bearer' })
    expect(legacy.toJSON()).toEqual({ error: 'invalid_token' })
  })

  it('ERR_INTERNAL is a 500 server_error whose body never carries the cause', () => {
    const error = new GuardError({ code: 'ERR_INTERNAL', description: 'the request could not be checked', cause: new TypeError('secret detail') })
    expect(error).toMatchObject({ status: 500, error: 'server_error' })
    expect(JSON.stringify(error.toJSON())).not.toContain('secret detail')
  })
})

describe('an error that is not a refusal', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createLocalIssuer()
  })
  afterAll(() => issuer.close())

  it('becomes ERR_INTERNAL with its cause, and reaches onDecision as such (not as a malformed token)', async () => {
    const events: DecisionEvent[] = []
    let calls = 0
    const clock = new TestClock(NOW)
    const guard = createGuard({
      issuer: { issuer: issuer.issuer, jwks: { keys: issuer.keys.map((key) => key.publicJwk) } },
      audience: issuer.audience,
      profile: 'oauth2',
      clock: () => (calls++ === 0 ? clock.now() : Number.NaN),
      onDecision: (event) => events.push(event),
    })
    const token = await issuer.mint({ iat: NOW, exp: NOW + 300 })
    const error = await refusal(guard.verify(requestLike({ token })))
    expect(error).toMatchObject({ status: 500, code: 'ERR_INTERNAL', error: 'server_error', description: 'the request could not be checked' })
    expect(error.cause).toBeInstanceOf(TypeError)
    expect(error.headers).not.toHaveProperty('www-authenticate')
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ outcome: 'refused', status: 500, code: 'ERR_INTERNAL' })
    expect(events[0]?.cause).toMatch(/option "clock" returned a time that is not a finite number/)
  })

  it('toGuardError turns anything else into ERR_INTERNAL; a refusal it already finalized comes back as it is', async () => {
    const guard = createGuard({ issuer: { issuer: issuer.issuer, jwks: { keys: issuer.keys.map((key) => key.publicJwk) } }, audience: issuer.audience, profile: 'oauth2' })
    const internal = guard.toGuardError(new RangeError('boom'))
    expect(internal).toMatchObject({ status: 500, code: 'ERR_INTERNAL' })
    expect((internal.cause as Error).message).toBe('boom')
    const refused = await refusal(guard.verify(requestLike({})))
    expect(guard.toGuardError(refused)).toBe(refused)
  })
})
