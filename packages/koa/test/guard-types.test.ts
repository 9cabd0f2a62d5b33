/**
 * The overload order of `guard()`: when no overload matches, TypeScript reports the error of the last
 * overload it tried (TypeScript 7 reports only that one), so the options-object overload must be last
 * for a misspelt option to be named against `KoaGuardOptions` rather than against `Guard`.
 */
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { expect, it } from 'vitest'

const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url))
// Never written to disk: the compiler host serves it, so the package's typecheck never sees the error.
const FIXTURE = fileURLToPath(new URL('./misspelt-option.fixture.ts', import.meta.url))
const SOURCE = `import { guard } from '../src/index.js'
guard({ issuer: 'https://as.example.com', audience: 'https://api.example.com', scope: ['accounts:read'] })
`

/** The message of the last overload's error, as TypeScript 5 (one per overload) and 7 (the last only) print it. */
function lastOverloadError(): string {
  const config = ts.getParsedCommandLineOfConfigFile(TSCONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (config === undefined) throw new Error(`cannot read ${TSCONFIG}`)
  const host = ts.createCompilerHost(config.options)
  const { getSourceFile, fileExists } = host
  host.fileExists = (name) => name === FIXTURE || fileExists(name)
  host.getSourceFile = (name, language, ...rest) => (name === FIXTURE ? ts.createSourceFile(name, SOURCE, language) : getSourceFile(name, language, ...rest))
  const program = ts.createProgram([FIXTURE], config.options, host)
  const diagnostics = program.getSemanticDiagnostics(program.getSourceFile(FIXTURE))
  expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual([2769]) // No overload matches this call.
  const message = ts.flattenDiagnosticMessageText(diagnostics[0]?.messageText, '\n')
  return message.split(/\n\s*(?=Overload \d+ of \d+|The last overload)/).at(-1) ?? ''
}

it('a misspelt option is reported against KoaGuardOptions by the last overload', () => {
  expect(lastOverloadError()).toContain(`'scope' does not exist in type 'KoaGuardOptions'`)
})
