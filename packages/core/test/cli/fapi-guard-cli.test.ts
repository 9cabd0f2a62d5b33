/**
 * Issue 17, "a command-line check": `fapi-guard check` verifies one token the way the guard would and
 * prints each step with its outcome and, for a refusal, the operator's reason. Run as a real process
 * against a real issuer on loopback.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalIssuer, type LocalIssuer } from '@fapi-guard/testing'
import { closedPortURL } from '../support/key-server.js'

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const RS = 'https://rs.example.com'

let local: LocalIssuer
beforeAll(async () => {
  local = await createLocalIssuer({ algorithms: ['ES256'], audience: RS })
})
afterAll(() => local.close())

/** Runs the command (asynchronously: the issuer it asks lives in this process); the token goes on stdin. */
function run(args: string[], stdin = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, NODE_DEBUG: '' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

describe('fapi-guard check', () => {
  it('CLI-01 an acceptable token: every step ticked, ACCEPTED with who and what, exit 0; the token is never printed', async () => {
    const token = await local.mint({ scope: 'accounts:read' })
    const result = await run(['check', '--issuer', local.issuer, '--audience', RS, '--profile', 'oauth2', '--token', '-', '--scope', 'accounts:read'], token)
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toContain(`keys of ${local.issuer}: loaded`)
    expect(result.stdout).toMatch(/✔ credentials[^\n]*\n {2}✔ token[^\n]*\n {2}✔ binding[^\n]*\n {2}✔ authorization/)
    expect(result.stdout).toContain(`ACCEPTED: issuer ${local.issuer}`)
    expect(result.stdout).toContain('scopes [accounts:read]')
    expect(result.stdout).not.toContain(token)
  })

  it('CLI-02 a token for another API: the step that refused, what the client sees, and the operator\'s reason; exit 1', async () => {
    const token = await local.mint({ aud: `${RS}/` })
    const result = await run(['check', '--issuer', local.issuer, '--audience', RS, '--profile', 'oauth2', '--token', token])
    expect(result.status, result.stderr).toBe(1)
    expect(result.stdout).toMatch(/✔ credentials[^\n]*\n {2}✘ token[^\n]*\n {2}· binding[^\n]*\(not reached\)/)
    expect(result.stdout).toContain('REFUSED: 401 invalid_token ERR_JWT_AUDIENCE_INVALID')
    expect(result.stdout).toContain(`reason:      the token's "aud" is "${RS}/"; this API is "${RS}" (they differ only by a trailing slash)`)
    expect(result.stdout).not.toContain(token)
  })

  it('CLI-03 under the default fapi2 profile an unbound token is refused, and says so', async () => {
    const result = await run(['check', '--issuer', local.issuer, '--audience', RS, '--token', '-'], await local.mint())
    expect(result.status).toBe(1)
    expect(result.stdout).toContain('ERR_TOKEN_NOT_SENDER_CONSTRAINED')
  })

  it('CLI-04 an issuer whose keys cannot be had: NOT READY with the reason, exit 2', async () => {
    const jwksUri = await closedPortURL()
    const result = await run(['check', '--issuer', 'https://as.example.com', '--audience', RS, '--jwks-uri', jwksUri, '--token', 'x'])
    expect(result.status).toBe(2)
    expect(result.stdout).toContain('keys of https://as.example.com: NOT READY')
    expect(result.stdout).toContain(`GET ${jwksUri} failed (ECONNREFUSED)`)
  })

  it('CLI-05 missing flags, an unknown flag or command: usage on stderr, exit 2', async () => {
    for (const args of [['check', '--issuer', local.issuer], ['check', '--bogus'], ['verify'], []]) {
      const result = await run(args)
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr).toContain('usage: fapi-guard check')
    }
  })
})
