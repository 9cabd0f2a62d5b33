import express5 from 'express'
import express4 from 'express4'

/** Both supported Express majors: every behaviour test runs on each. */
export const expressVersions = [
  { name: 'express 5', express: express5 },
  { name: 'express 4', express: express4 },
] as const

export type ExpressFactory = typeof express5
