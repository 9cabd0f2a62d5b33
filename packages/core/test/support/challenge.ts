/** One parsed `WWW-Authenticate` challenge. */
export interface ParsedChallenge {
  readonly scheme: string
  readonly params: Array<[string, string]>
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/

/**
 * Parses a `WWW-Authenticate` field value (RFC 9110 §11.6.1: a comma list of challenges, each a scheme
 * and comma-separated auth-params with token or quoted-string values). Throws on anything else.
 */
export function parseChallenges(header: string): ParsedChallenge[] {
  const challenges: ParsedChallenge[] = []
  let at = 0
  const skipSpace = () => {
    while (header[at] === ' ' || header[at] === '\t') at++
  }
  const token = (): string => {
    const match = TOKEN.exec(header.slice(at))
    if (match === null) throw new SyntaxError(`expected a token at ${at} in ${header}`)
    at += match[0].length
    return match[0]
  }
  const value = (): string => {
    if (header[at] !== '"') return token()
    let out = ''
    at++
    for (;;) {
      const char = header[at]
      if (char === undefined) throw new SyntaxError(`unterminated quoted-string in ${header}`)
      if (char === '"') break
      if (char === '\\') {
        at++
        const escaped = header[at]
        if (escaped === undefined) throw new SyntaxError(`dangling escape in ${header}`)
        out += escaped
      } else {
        out += char
      }
      at++
    }
    at++
    return out
  }
  /** True when an auth-param (`token BWS "="`) starts at the cursor. */
  const paramAhead = () => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*=/.test(header.slice(at))

  while (at < header.length) {
    skipSpace()
    if (header[at] === ',') {
      at++
      continue
    }
    const challenge: ParsedChallenge = { scheme: token(), params: [] }
    challenges.push(challenge)
    skipSpace()
    while (at < header.length) {
      if (header[at] === ',') {
        const comma = at
        at++
        skipSpace()
        if (!paramAhead()) {
          at = comma
          break
        }
      }
      if (!paramAhead()) break
      const name = token().toLowerCase()
      skipSpace()
      at++ // '='
      skipSpace()
      challenge.params.push([name, value()])
      skipSpace()
    }
  }
  return challenges
}

/** The value of one parameter of one scheme's challenge. */
export function challengeParam(header: string, scheme: string, name: string): string | undefined {
  const challenge = parseChallenges(header).find((item) => item.scheme.toLowerCase() === scheme.toLowerCase())
  return challenge?.params.find(([key]) => key === name)?.[1]
}
