/**
 * Which peers count as trusted proxies: IPv4 and IPv6 addresses, CIDR ranges, and `loopback`.
 * Pure string and number work, so it runs on every runtime.
 */
export interface AddressMatcher {
  (address: string | undefined): boolean
}

interface Range {
  readonly bytes: Uint8Array
  readonly prefix: number
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255 || (part.length > 1 && part.startsWith('0'))) return undefined
    bytes[i] = Number(part)
  }
  return bytes
}

function parseIPv6(text: string): Uint8Array | undefined {
  let input = text
  let tail: Uint8Array | undefined
  const lastColon = input.lastIndexOf(':')
  if (input.includes('.', lastColon)) {
    tail = parseIPv4(input.slice(lastColon + 1))
    if (tail === undefined) return undefined
    input = `${input.slice(0, lastColon + 1)}0:0`
  }
  const halves = input.split('::')
  if (halves.length > 2) return undefined
  const groups = (half: string) => (half === '' ? [] : half.split(':'))
  const head = groups(halves[0] as string)
  const rest = halves.length === 2 ? groups(halves[1] as string) : []
  const missing = 8 - head.length - rest.length
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 8; i++) {
    const group = all[i] as string
    if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return undefined
    const value = Number.parseInt(group, 16)
    bytes[i * 2] = value >> 8
    bytes[i * 2 + 1] = value & 0xff
  }
  if (tail !== undefined) bytes.set(tail, 12)
  return bytes
}

/**
 * Parses an IP address; v4-mapped IPv6 becomes IPv4. An IPv6 address may come in one pair of brackets
 * and with a zone (`%eth0`), both dropped; an IPv4 address takes neither.
 */
export function parseIP(text: string): Uint8Array | undefined {
  const bracketed = text.startsWith('[') && text.endsWith(']')
  const inner = bracketed ? text.slice(1, -1) : text
  if (!inner.includes(':')) return bracketed ? undefined : parseIPv4(inner)
  const zone = inner.indexOf('%')
  if (zone === inner.length - 1) return undefined
  const bytes = parseIPv6(zone === -1 ? inner : inner.slice(0, zone))
  if (bytes === undefined) return undefined
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  return mapped ? bytes.slice(12) : bytes
}

function parseRange(entry: string): Range | undefined {
  const [address, prefixText, extra] = entry.split('/')
  if (address === undefined || extra !== undefined) return undefined
  const bytes = parseIP(address)
  if (bytes === undefined) return undefined
  const bits = bytes.length * 8
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1
  if (prefix < 0 || prefix > bits) return undefined
  return { bytes, prefix }
}

function inRange(address: Uint8Array, range: Range): boolean {
  if (address.length !== range.bytes.length) return false
  let bits = range.prefix
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if (((address[i] as number) & mask) !== ((range.bytes[i] as number) & mask)) return false
  }
  return true
}

const LOOPBACK = ['127.0.0.0/8', '::1/128']

/**
 * Builds the matcher for `proxy.trusted`; returns the entries it could not read, for the option check.
 */
export function compileTrustedProxies(entries: readonly string[]): { matcher: AddressMatcher; invalid: string[] } {
  const ranges: Range[] = []
  const invalid: string[] = []
  for (const entry of entries.flatMap((item) => (item === 'loopback' ? LOOPBACK : [item]))) {
    const range = typeof entry === 'string' ? parseRange(entry) : undefined
    if (range === undefined) invalid.push(String(entry))
    else ranges.push(range)
  }
  const matcher: AddressMatcher = (address) => {
    if (address === undefined || ranges.length === 0) return false
    const bytes = parseIP(address)
    return bytes !== undefined && ranges.some((range) => inRange(bytes, range))
  }
  return { matcher, invalid }
}
