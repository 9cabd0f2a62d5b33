import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_TABLE, ErrorCodes } from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('lists every ERR_* code with its status and OAuth error, and no code that does not exist', () => {
    const rows = new Map<string, { status: number; error: string | undefined }>()
    for (const match of readme.matchAll(/^\| `(ERR_\w+)` \| (\d{3}) \| (?:`(\w+)`|—[^|]*) \|/gm)) {
      rows.set(match[1] as string, { status: Number(match[2]), error: match[3] })
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(ErrorCodes).sort())
    for (const [code, kind] of Object.entries(ERROR_TABLE)) {
      expect(rows.get(code), code).toEqual({ status: kind.status, error: kind.error })
    }
  })
})
