/**
 * A clone tests itself: no test, example or script reaches for a file outside the repository (the
 * reference vectors and fixtures the tests use are copied into it, e.g. packages/core/test/fixtures).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SKIP = new Set(['node_modules', 'dist', '.turbo', '.git', 'coverage'])

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* sources(path)
    else if (/\.(c|m)?(t|j)s$/.test(entry.name)) yield path
  }
}

describe('the repository is self-contained', () => {
  it('no relative path in a test, example, benchmark or script leads outside the repository', () => {
    const outside: string[] = []
    for (const top of ['packages', 'examples', 'test', 'bench', 'scripts']) {
      for (const file of sources(join(ROOT, top))) {
        const text = readFileSync(file, 'utf8')
        for (const match of text.matchAll(/(['"`])((?:\.\.\/)+[^'"`\s]*)\1/g)) {
          const target = resolve(dirname(file), match[2] as string)
          if (relative(ROOT, target).startsWith(`..${sep}`) || relative(ROOT, target) === '..') {
            outside.push(`${relative(ROOT, file)}: ${match[2]}`)
          }
        }
        if (file !== fileURLToPath(import.meta.url) && text.includes(['shared', 'reference', ''].join('/'))) {
          outside.push(`${relative(ROOT, file)}: shared/reference/`)
        }
      }
    }
    expect(outside).toEqual([])
  })
})
