import 'reflect-metadata'
import { Reflector } from '@nestjs/core'
import {
  claimEquals,
  FAPI_AUTHENTICATION_KEY,
  FAPI_CLAIMS_KEY,
  FAPI_PUBLIC_KEY,
  FAPI_SCOPES_KEY,
  Public,
  RequireAuthentication,
  RequireClaims,
  Scopes,
} from '@fapi-guard/nestjs'
import { describe, expect, it } from 'vitest'

describe('@Scopes()', () => {
  it('refuses, when applied, no scope or one that is not a scope token (RFC 6749 §3.3)', () => {
    expect(() => Scopes()).toThrow(TypeError)
    expect(() => Scopes()).toThrow(/@Scopes\(\).*at least one scope/)
    expect(() => Scopes('accounts:read', 'two words')).toThrow(TypeError)
    expect(() => Scopes('quote"d')).toThrow(TypeError)
    expect(() => Scopes('back\\slash')).toThrow(TypeError)
    expect(() => Scopes('')).toThrow(TypeError)
    expect(() => Scopes(42 as unknown as string)).toThrow(/42/)
  })

  it('the method’s replace the controller’s; without its own a method has the controller’s', () => {
    @Scopes('accounts:read', 'accounts:read')
    class Controller {
      @Scopes('payments:write')
      pay(): void {}
      list(): void {}
    }
    const reflector = new Reflector()
    const scopesOf = (handler: () => void) => reflector.getAllAndOverride<readonly string[]>(FAPI_SCOPES_KEY, [handler, Controller])
    expect(scopesOf(Controller.prototype.pay)).toEqual(['payments:write'])
    expect(scopesOf(Controller.prototype.list)).toEqual(['accounts:read']) // repeats removed
  })
})

describe('@RequireAuthentication() and @RequireClaims()', () => {
  it('are checked when applied (core checkRequirements)', () => {
    expect(() => RequireAuthentication({})).toThrow(/needs "acrValues" or "maxAge"/)
    expect(() => RequireAuthentication({ acrValues: [] })).toThrow(TypeError)
    expect(() => RequireAuthentication({ maxAge: -5 })).toThrow(/maxAge/)
    expect(() => RequireAuthentication(undefined as never)).toThrow(TypeError)
    expect(() => RequireClaims()).toThrow(/@RequireClaims\(\).*at least one claim requirement/)
    expect(() => RequireClaims({ description: 'x' } as never)).toThrow(TypeError)
  })

  it('a method’s replace the controller’s (Reflector.getAllAndOverride), as with @Scopes()', () => {
    const tenant = claimEquals('tenant', 'acme')
    const region = claimEquals('region', 'eu')
    @RequireAuthentication({ acrValues: ['urn:silver'] })
    @RequireClaims(tenant)
    class Controller {
      @RequireAuthentication({ maxAge: 60 })
      @RequireClaims(region)
      pay(): void {}
      list(): void {}
    }
    const reflector = new Reflector()
    const of = (key: string, handler: () => void) => reflector.getAllAndOverride<unknown>(key, [handler, Controller])
    expect(of(FAPI_AUTHENTICATION_KEY, Controller.prototype.pay)).toEqual({ maxAge: 60 })
    expect(of(FAPI_AUTHENTICATION_KEY, Controller.prototype.list)).toEqual({ acrValues: ['urn:silver'] })
    expect(of(FAPI_CLAIMS_KEY, Controller.prototype.pay)).toEqual([region])
    expect(of(FAPI_CLAIMS_KEY, Controller.prototype.list)).toEqual([tenant])
  })
})

describe('@Public()', () => {
  it('marks a method or a whole controller', () => {
    @Public()
    class Open {
      get(): void {}
    }
    class Mixed {
      @Public()
      health(): void {}
      data(): void {}
    }
    const reflector = new Reflector()
    const isPublic = (handler: () => void, target: object) => reflector.getAllAndOverride<boolean>(FAPI_PUBLIC_KEY, [handler, target as never]) === true
    expect(isPublic(Open.prototype.get, Open)).toBe(true)
    expect(isPublic(Mixed.prototype.health, Mixed)).toBe(true)
    expect(isPublic(Mixed.prototype.data, Mixed)).toBe(false)
  })
})
