import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8')

describe('README', () => {
  it.each(['./readme-example.test.ts', './fapi-readme-example.test.ts'])('shows exactly the example %s runs', (file) => {
    const test = read(file)
    const region = /\/\/ #region readme\n([\s\S]*?)\/\/ #endregion readme/.exec(test)?.[1]
    expect(region).toBeDefined()
    const readme = read('../README.md')
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])
    expect(blocks).toContain(region)
  })

  it('names every export of the package', async () => {
    const exports = Object.keys(await import('@fapi-guard/testing'))
    const readme = read('../README.md')
    for (const name of exports) expect(readme, name).toContain(`\`${name}`)
  })
})
