/**
 * The authorization server goes away: JWTs whose issuer keys the guard already holds keep working;
 * anything that needs the authorization server now (introspection, keys never fetched) is refused
 * with 503, never let through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AUDIENCE,
  callAPI,
  dpopKey,
  errorCode,
  getWithDPoP,
  json,
  startResourceServer,
  startWorld,
  tokenFor,
  type World,
} from './support.js'

let world: World
let api: { origin: string; close(): Promise<void> }
let ca: string

beforeAll(async () => {
  world = await startWorld()
  const { as } = world
  const options = { issuer: as.issuer, audience: AUDIENCE, introspection: as.clients.resourceServer }
  api = await startResourceServer(world.serverCertificate, { '/warm': options, '/cold': options })
  ca = world.serverCertificate.cert
})

afterAll(async () => {
  await api?.close()
})

const url = (path: string) => `${api.origin}${path}`

describe('authorization server stopped', () => {
  it('keeps accepting JWTs with known keys; introspection and unknown keys fail closed (503)', async () => {
    const key = await dpopKey()
    const { token: jwt } = await tokenFor(world, 'dpop', { dpopKey: key })
    const { token: mtls } = await tokenFor(world, 'mtls')
    const { token: opaque } = await tokenFor(world, 'opaque', { dpopKey: key })
    // The warm guard fetches the metadata and keys now.
    expect((await getWithDPoP(url('/warm/accounts'), ca, jwt, key)).status).toBe(200)

    await world.as.close()

    expect((await getWithDPoP(url('/warm/accounts'), ca, jwt, key)).status).toBe(200)
    const bound = await callAPI({ url: url('/warm/accounts'), ca, certificate: world.clientCertificate, headers: { authorization: `Bearer ${mtls}` } })
    expect(bound.status).toBe(200)

    const introspected = await getWithDPoP(url('/warm/accounts'), ca, opaque, key)
    expect(introspected.status).toBe(503)
    expect(json(introspected).error).toBe('temporarily_unavailable')
    // The issuer is named, never the endpoint (LEAK-01).
    expect(String(json(introspected).error_description)).toBe(`token introspection at issuer "${world.as.issuer}" failed`)
    expect(errorCode(introspected)).toBe('ERR_INTROSPECTION_UNAVAILABLE')
    expect(introspected.headers['retry-after']).toBeDefined()

    // A guard that never saw the keys cannot check even a valid JWT: 503, not 200.
    const cold = await getWithDPoP(url('/cold/accounts'), ca, jwt, key)
    expect(cold.status).toBe(503)
    expect(errorCode(cold)).toBe('ERR_JWKS_UNAVAILABLE')
  })
})
