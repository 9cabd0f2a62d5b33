import Koa3 from 'koa'
import Koa2 from 'koa2'

/** Both supported Koa majors: every behaviour test runs on each. */
export const koaVersions = [
  { name: 'koa 3', Koa: Koa3 },
  { name: 'koa 2', Koa: Koa2 },
] as const

export type KoaClass = typeof Koa3
