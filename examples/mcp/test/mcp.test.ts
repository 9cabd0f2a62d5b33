import { describe, expect, it } from 'vitest'
import { runScenario } from '../src/scenario.js'

// Issue 18: the SDK's own client (its Streamable HTTP transport with a fetch that adds DPoP proofs)
// against the example server, with oidc-provider issuing DPoP-bound tokens for the server's URL.
describe('the MCP example (npm start)', () => {
  it('lists tools, calls the read tool, is refused the payment tool until scope and step-up suffice, and refuses a replayed proof', async () => {
    const { steps, tools } = await runScenario()
    expect(tools).toEqual(['balance', 'transfer'])
    const [read, noScope, noStepUp, strong, fresh, replayed] = steps

    expect(read?.status).toBe(200)
    expect(JSON.parse(read?.detail ?? '')).toEqual({ account: 'DE02', balance: '1024.00 EUR', subject: 'alice', dpop: true })

    // One 403 naming every scope the call needs: the base scope and the tool's.
    expect(noScope?.status).toBe(403)
    expect(noScope?.challenge).toMatch(/^DPoP /)
    expect(noScope?.challenge).toContain('error="insufficient_scope"')
    expect(noScope?.challenge).toContain('scope="mcp:read payments"')
    expect(noScope?.challenge).toMatch(/resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/)
    expect(noScope?.detail).toContain('insufficient_scope')

    expect(noStepUp?.status).toBe(401)
    expect(noStepUp?.challenge).toContain('error="insufficient_user_authentication"')
    expect(noStepUp?.challenge).toContain('acr_values="urn:example:acr:strong"')

    expect(strong?.status).toBe(200)
    expect(JSON.parse(strong?.detail ?? '')).toMatchObject({ transferred: '10.00', scopes: ['mcp:read', 'payments'], acr: 'urn:example:acr:strong' })

    expect(fresh, JSON.stringify(fresh)).toMatchObject({ status: 200 })
    expect(replayed?.status).toBe(401)
    expect(replayed?.challenge).toContain('error="invalid_dpop_proof"')
    expect(JSON.parse(replayed?.detail ?? '')).toMatchObject({ error: 'invalid_dpop_proof' })
  }, 60_000)
})
