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

/**
 * The messages of an error's causes, outermost first, joined for one log line; `undefined` for none.
 * `forAudit`: an error that has a `summary` (an HTTP exchange: it names the kind of endpoint, not its
 * address) is given by it, as audit events never carry an endpoint's address.
 */
export function describeCauses(error: unknown, forAudit = false): string | undefined {
  const parts: string[] = []
  let current = error instanceof Error ? error.cause : undefined
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const summary = (current as Error & { summary?: unknown }).summary
    parts.push(forAudit && typeof summary === 'string' ? summary : current.message)
    current = current.cause
  }
  return parts.length === 0 ? undefined : parts.join(' ← ')
}
