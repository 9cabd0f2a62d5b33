import 'reflect-metadata'
import type { INestApplication, Type } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import type { AddressInfo } from 'node:net'

/** An HTTP platform of Nest, by package name. */
export interface Platform {
  readonly name: '@nestjs/platform-express' | '@nestjs/platform-fastify'
  create(module: Type | object): Promise<INestApplication>
}

// abortOnError: false → a bootstrap error is thrown from create() instead of ending the process.
const APP_OPTIONS = { logger: false, abortOnError: false } as const

export const platforms: readonly Platform[] = [
  { name: '@nestjs/platform-express', create: (module) => NestFactory.create(module, new ExpressAdapter(), APP_OPTIONS) },
  { name: '@nestjs/platform-fastify', create: (module) => NestFactory.create(module, new FastifyAdapter(), APP_OPTIONS) },
]

/** A Nest application listening on loopback. */
export interface Running {
  readonly app: INestApplication
  readonly origin: string
  close(): Promise<void>
}

/** Creates the application on the platform and listens on 127.0.0.1 with a random port. */
export async function start(platform: Platform, module: Type | object): Promise<Running> {
  const app = await platform.create(module)
  await app.listen(0, '127.0.0.1')
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address()
  return { app, origin: `http://127.0.0.1:${port}`, close: () => app.close() }
}
