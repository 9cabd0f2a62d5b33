#!/usr/bin/env node
/**
 * `fapi-guard check`: what an operator runs when a token is refused in production. It builds the guard
 * the flags describe, verifies one request with it, and prints each step of the pipeline with its
 * outcome and, for a refusal, the operator's reason (`GuardError.cause`). It never prints the token or
 * the proof. Exit code: 0 accepted, 1 refused, 2 usage or startup error.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createGuard, isGuardError, type DecisionEvent, type GuardOptions, type Profile } from '../node/index.js'
import { describeCauses } from '../errors/diagnosis.js'

const USAGE = `usage: fapi-guard check --issuer URL --audience URI [--audience URI …] --token TOKEN|- [options]

  --issuer URL         the trusted issuer (its keys are found by discovery unless --jwks-uri is given)
  --audience URI       this API's identifier (repeatable)
  --token TOKEN | -    the access token; "-" reads it from standard input (keeps it out of the shell
                       history and the process list)
  --scheme S           Bearer or DPoP (default: DPoP when --proof is given, else Bearer)
  --proof PROOF        the DPoP proof (a DPoP-bound token needs one)
  --method M           the request method the proof was made for (default GET)
  --url URL            the URL the client addressed (default: the first --audience)
  --jwks-uri URL       the issuer's key set, when it publishes no metadata
  --profile P          fapi2 (default), fapi1-advanced or oauth2
  --scope S            a scope the route needs (repeatable)
  --no-ready           skip loading the issuer's keys first (they are then loaded by the check)
`

/** The pipeline's steps as the report lists them, in order (DecisionEvent.checks names them so). */
const STEPS = [
  ['credentials', 'credentials: one Authorization header, a scheme and a token'],
  ['token', 'token: RFC 9068 checks and signature, or introspection'],
  ['binding', 'binding: DPoP proof or client certificate (cnf)'],
  ['authorization', 'authorization: scopes and claim requirements'],
] as const

function fail(message: string): never {
  process.stderr.write(`fapi-guard: ${message}\n\n${USAGE}`)
  process.exit(2)
}

function readToken(value: string): string {
  return (value === '-' ? readFileSync(0, 'utf8') : value).trim()
}

/** What each step came to, from the decision event: done, the step that refused, or not reached. */
function stepOutcomes(event: DecisionEvent): string[] {
  const done = new Set(event.checks.map((check) => (check === 'jwt' || check === 'introspection' ? 'token' : check)))
  let refusedAt = event.outcome === 'refused'
  return STEPS.map(([step, label]) => {
    if (done.has(step)) return `  ✔ ${label}`
    if (refusedAt) {
      refusedAt = false
      return `  ✘ ${label}`
    }
    return `  · ${label} (not reached)`
  })
}

async function check(argv: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        issuer: { type: 'string' },
        audience: { type: 'string', multiple: true },
        token: { type: 'string' },
        scheme: { type: 'string' },
        proof: { type: 'string' },
        method: { type: 'string', default: 'GET' },
        url: { type: 'string' },
        'jwks-uri': { type: 'string' },
        profile: { type: 'string', default: 'fapi2' },
        scope: { type: 'string', multiple: true },
        'no-ready': { type: 'boolean', default: false },
      },
    }))
  } catch (error) {
    return fail((error as Error).message)
  }
  const { issuer, audience, token, proof } = values
  if (issuer === undefined || audience === undefined || token === undefined) fail('--issuer, --audience and --token are required')
  const scheme = values.scheme ?? (proof === undefined ? 'Bearer' : 'DPoP')
  const url = values.url ?? audience[0]
  const events: DecisionEvent[] = []
  let guard
  try {
    guard = createGuard({
      issuer,
      audience,
      profile: values.profile as Profile,
      ...(values['jwks-uri'] !== undefined && { jwksUri: values['jwks-uri'] }),
      onDecision: (event) => void events.push(event),
    } satisfies GuardOptions)
  } catch (error) {
    return fail((error as Error).message)
  }
  if (!values['no-ready']) {
    try {
      await guard.ready()
      process.stdout.write(`keys of ${issuer}: loaded\n`)
    } catch (error) {
      process.stdout.write(`keys of ${issuer}: NOT READY\n  ${(error as Error).message}\n`)
      return 2
    }
  }
  const headers: Record<string, string> = { authorization: `${scheme} ${readToken(token)}` }
  if (proof !== undefined) headers.dpop = proof
  try {
    const auth = await guard.verify({ method: values.method, url: url as string, headers }, values.scope === undefined ? undefined : { scopes: values.scope })
    const event = events[0]
    if (event !== undefined) process.stdout.write(`${stepOutcomes(event).join('\n')}\n`)
    process.stdout.write(
      `ACCEPTED: issuer ${auth.issuer}, subject ${auth.subject ?? '-'}, client ${auth.clientId ?? '-'}, scopes [${auth.scopes.join(' ')}], ` +
        `binding ${auth.binding.dpop !== undefined ? 'dpop' : auth.binding.mtls !== undefined ? 'mtls' : 'none'}\n`,
    )
    return 0
  } catch (error) {
    const event = events[0]
    if (event !== undefined) process.stdout.write(`${stepOutcomes(event).join('\n')}\n`)
    if (!isGuardError(error)) throw error
    process.stdout.write(`REFUSED: ${error.status} ${error.error ?? '(no error code)'} ${error.code}\n  client sees: ${error.description}\n`)
    const cause = describeCauses(error)
    if (cause !== undefined) process.stdout.write(`  reason:      ${cause}\n`)
    return 1
  }
}

const [command, ...rest] = process.argv.slice(2)
if (command !== 'check') fail(command === undefined ? 'a command is needed' : `unknown command "${command}"`)
process.exitCode = await check(rest)
