/**
 * The public surface by audience: the application entry, `/aws`, `/observability` (and `/adapter`),
 * and the names that moved still answering from the main entry, as the same functions.
 */
import { describe, expect, it } from 'vitest'
import * as main from '../src/node/index.js'
import * as web from '../src/index.js'
import * as aws from '../src/aws.js'
import * as observability from '../src/observability.js'

describe('entry points', () => {
  it('/aws and /observability hold their audience’s names; the main entry keeps the old names as the same functions', () => {
    expect(Object.keys(aws).sort()).toEqual(['fromApiGatewayEvent', 'toApiGatewayResult'])
    expect(Object.keys(observability).sort()).toEqual(['describeDecision', 'logDecisions', 'traceDecisions'])
    for (const entry of [main, web]) {
      expect(entry.fromApiGatewayEvent).toBe(aws.fromApiGatewayEvent)
      expect(entry.toApiGatewayResult).toBe(aws.toApiGatewayResult)
      expect(entry.logDecisions).toBe(observability.logDecisions)
      expect(entry.traceDecisions).toBe(observability.traceDecisions)
    }
  })

  it('the application entry no longer lists internals beyond their deprecated aliases', () => {
    const names = Object.keys(main)
    for (const internal of ['buildChallenges', 'resolveOptions', 'createGuardWith', 'assembleGuard', 'finalizeRefusal', 'checkTimeClaims']) {
      expect(names, internal).not.toContain(internal)
    }
    expect(names).toEqual(expect.arrayContaining(['createGuard', 'GuardError', 'isGuardError', 'verifyOptional', 'toResponse', 'claimEquals', 'presets', 'requestFromNode']))
  })
})
