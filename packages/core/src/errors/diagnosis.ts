/**
 * What an operator needs to know about a refusal or a fault, kept as a `GuardError`'s (or a startup
 * error's) `cause` and summarised in `onDecision` events and `NODE_DEBUG=fapi-guard` output — never
 * sent to the client. It may quote the token's claims, the URL the API computed and peer addresses;
 * never a token, a proof, a secret, a key, or an endpoint's userinfo or query.
 */
export class Diagnosis extends Error {
  override readonly name = 'Diagnosis'
}

/** Longest claim value quoted in a diagnosis (a token's values are the client's input). */
const MAX_QUOTED = 200

/** A value as a diagnosis quotes it: JSON (control characters escaped, so logs stay one line), cut short. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text
}

/** " (they differ only by a trailing slash)" when `a` and `b` do, else "". */
export function trailingSlashHint(a: string, b: string): string {
  return a !== b && a.replace(/\/$/, '') === b.replace(/\/$/, '') ? ' (they differ only by a trailing slash)' : ''
}

/** The messages of an error and its causes, outermost first, joined for one log line; `undefined` for none. */
export function describeCauses(error: unknown): string | undefined {
  const parts: string[] = []
  let current = error instanceof Error ? error.cause : undefined
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.message)
    current = current.cause
  }
  return parts.length === 0 ? undefined : parts.join(' ← ')
}
