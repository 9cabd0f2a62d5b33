import { Catch, Global, Injectable, Module, type ArgumentsHost, type DynamicModule } from '@nestjs/common'
import { BaseExceptionFilter } from '@nestjs/core'
import {
  FAPI_GUARD,
  FAPI_REPLAY_STORE,
  FapiAuthGuard,
  FapiGuardException,
  FapiGuardModule,
  type Guard,
  type GuardOptions,
  type ReplayStore,
} from '@fapi-guard/nestjs'
import { createDPoPKey, createDPoPProof, createLocalIssuer, type DPoPKey, type LocalIssuer } from '@fapi-guard/testing'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardProviders, testControllers, testModule } from './support/apps.js'
import { send } from './support/http.js'
import { platforms, start } from './support/platforms.js'

// FapiGuardModule: forRoot / forRootAsync, the replay store injection token, option errors at
// bootstrap, and the answer when the application has its own catch-all exception filter.

let issuer: LocalIssuer
let key: DPoPKey
beforeAll(async () => {
  issuer = await createLocalIssuer()
  key = await createDPoPKey('ES256')
})
afterAll(() => issuer.close())

/** A ConfigService-like provider: settings read by name, as @nestjs/config's ConfigService does. */
@Injectable()
class SettingsService {
  readonly #values = new Map<string, string>()
  set(name: string, value: string): void {
    this.#values.set(name, value)
  }
  get(name: string): string {
    const value = this.#values.get(name)
    if (value === undefined) throw new Error(`no setting ${name}`)
    return value
  }
}

function settingsModule(values: Record<string, string>): DynamicModule {
  const settings = new SettingsService()
  for (const [name, value] of Object.entries(values)) settings.set(name, value)
  @Module({})
  class SettingsModule {}
  return { module: SettingsModule, providers: [{ provide: SettingsService, useValue: settings }], exports: [SettingsService] }
}

/** A replay store that records its calls and remembers keys in a Set. */
class RecordingReplayStore implements ReplayStore {
  readonly calls: Array<{ key: string; expiresAt: number }> = []
  readonly #used = new Set<string>()
  async useOnce(key: string, expiresAt: number): Promise<boolean> {
    this.calls.push({ key, expiresAt })
    if (this.#used.has(key)) return false
    this.#used.add(key)
    return true
  }
}

function replayStoreModule(store: ReplayStore): DynamicModule {
  @Module({})
  class ReplayStoreModule {}
  return { module: ReplayStoreModule, providers: [{ provide: FAPI_REPLAY_STORE, useValue: store }], exports: [FAPI_REPLAY_STORE] }
}

describe.each(platforms)('FapiGuardModule on $name', (platform) => {
  it('forRootAsync: options from a factory with inject (a ConfigService-like provider)', async () => {
    const guardModule = FapiGuardModule.forRootAsync({
      imports: [settingsModule({ ISSUER: issuer.issuer, AUDIENCE: issuer.audience })],
      inject: [SettingsService],
      useFactory: (settings: SettingsService): GuardOptions => ({
        issuer: settings.get('ISSUER'),
        audience: settings.get('AUDIENCE'),
        profile: 'oauth2',
      }),
    })
    const server = await start(platform, testModule(guardModule, 'global'))
    try {
      const token = await issuer.mint({ scope: 'accounts:read' })
      const reply = await send(`${server.origin}/accounts`, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(200)
      const refused = await send(`${server.origin}/accounts`)
      expect(refused.status).toBe(401)
    } finally {
      await server.close()
    }
  })

  it('builds the core guard once and shares it with every FapiAuthGuard', async () => {
    const server = await start(platform, testModule({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' }, 'global'))
    try {
      const core = server.app.get<Guard>(FAPI_GUARD)
      expect(typeof core.verify).toBe('function')
      const authGuard = server.app.get(FapiAuthGuard) as unknown as { guard: Guard }
      expect(authGuard.guard).toBe(core)
    } finally {
      await server.close()
    }
  })

  describe('a ReplayStore under FAPI_REPLAY_STORE', () => {
    const dpopRequest = async (origin: string) => {
      const url = `${origin}/resource`
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } })
      return { url, headers: { authorization: `DPoP ${token}`, dpop: await createDPoPProof({ key, method: 'GET', url, accessToken: token }) } }
    }

    it('from a module in forRootAsync imports: it is asked for every proof, and its answer counts', async () => {
      const store = new RecordingReplayStore()
      const guardModule = FapiGuardModule.forRootAsync({
        imports: [replayStoreModule(store)],
        useFactory: () => ({ issuer: issuer.issuer, audience: issuer.audience }),
      })
      const server = await start(platform, testModule(guardModule, 'global'))
      try {
        const { url, headers } = await dpopRequest(server.origin)
        expect((await send(url, { headers })).status).toBe(200)
        expect(store.calls).toHaveLength(1)
        expect(store.calls[0]?.expiresAt).toBeGreaterThan(Date.now())
        const replay = await send(url, { headers })
        expect(replay.status).toBe(401)
        expect(replay.json()).toMatchObject({ error: 'invalid_dpop_proof' })
        expect(store.calls).toHaveLength(2)
        expect(store.calls[1]?.key).toBe(store.calls[0]?.key)
      } finally {
        await server.close()
      }
    })

    it('from a global module, with forRoot', async () => {
      const store = new RecordingReplayStore()
      @Global()
      @Module({ providers: [{ provide: FAPI_REPLAY_STORE, useValue: store }], exports: [FAPI_REPLAY_STORE] })
      class InfrastructureModule {}
      @Module({
        imports: [InfrastructureModule, FapiGuardModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience })],
        controllers: testControllers('global', { count: 0 }),
        providers: guardProviders('global'),
      })
      class AppModule {}
      const server = await start(platform, AppModule)
      try {
        const { url, headers } = await dpopRequest(server.origin)
        expect((await send(url, { headers })).status).toBe(200)
        expect(store.calls).toHaveLength(1)
      } finally {
        await server.close()
      }
    })

    it('and another one in dpop.replayStore → TypeError at bootstrap', async () => {
      const guardModule = FapiGuardModule.forRootAsync({
        imports: [replayStoreModule(new RecordingReplayStore())],
        useFactory: () => ({ issuer: issuer.issuer, audience: issuer.audience, dpop: { replayStore: new RecordingReplayStore() } }),
      })
      await expect(platform.create(testModule(guardModule, 'global'))).rejects.toThrow(
        new TypeError('fapi-guard: option "dpop.replayStore" is set and a FAPI_REPLAY_STORE provider exists; use one of them'),
      )
    })
  })

  describe('option errors surface at bootstrap as the core’s TypeError', () => {
    it('forRoot', async () => {
      const options = { issuer: issuer.issuer, audience: issuer.audience, profile: 'fapi3' } as unknown as GuardOptions
      await expect(platform.create(testModule(options, 'global'))).rejects.toThrow(TypeError)
      await expect(platform.create(testModule(options, 'global'))).rejects.toThrow(/fapi-guard: option "profile"/)
    })

    it('forRootAsync', async () => {
      const guardModule = FapiGuardModule.forRootAsync({
        useFactory: async () => ({ issuer: issuer.issuer, audience: issuer.audience, unknownOption: true }) as unknown as GuardOptions,
      })
      await expect(platform.create(testModule(guardModule, 'use-guards'))).rejects.toThrow(TypeError)
      await expect(platform.create(testModule(guardModule, 'use-guards'))).rejects.toThrow(/"unknownOption"/)
    })
  })

  it('isGlobal: false → FapiAuthGuard resolves where the module is imported', async () => {
    const counter = { count: 0 }
    @Module({
      imports: [FapiGuardModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2', isGlobal: false })],
      controllers: testControllers('use-guards', counter),
    })
    class AppModule {}
    const server = await start(platform, AppModule)
    try {
      const token = await issuer.mint({})
      expect((await send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
      expect((await send(`${server.origin}/resource`)).status).toBe(401)
    } finally {
      await server.close()
    }
  })

  it('with the application’s own catch-all filter (extends BaseExceptionFilter) answering, the refusal is the same', async () => {
    const seen: unknown[] = []
    @Catch()
    class LoggingFilter extends BaseExceptionFilter {
      override catch(exception: unknown, host: ArgumentsHost): void {
        seen.push(exception)
        super.catch(exception, host)
      }
    }
    const app = await platform.create(testModule({ issuer: issuer.issuer, audience: issuer.audience, profile: 'oauth2' }, 'global'))
    // Filters given to useGlobalFilters are tried before those of APP_FILTER providers.
    app.useGlobalFilters(new LoggingFilter(app.getHttpAdapter()))
    await app.listen(0, '127.0.0.1')
    try {
      const { port } = (app.getHttpServer() as { address(): AddressInfo }).address()
      const now = Math.floor(Date.now() / 1000)
      const token = await issuer.mint({ scope: 'accounts:read' }, { now: now - 3600, expiresIn: 600 })
      const reply = await send(`http://127.0.0.1:${port}/accounts`, { headers: { authorization: `Bearer ${token}` } })
      expect(seen).toEqual([expect.any(FapiGuardException)]) // the application's filter answered
      expect(reply.status).toBe(401)
      expect(reply.headers['www-authenticate']).toContain('error="invalid_token"')
      expect(reply.json()).toEqual({ error: 'invalid_token', error_description: expect.any(String) })
    } finally {
      await app.close()
    }
  })
})