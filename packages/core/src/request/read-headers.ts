import type { HeaderRecord } from '../types.js'

function isHeaders(headers: unknown): headers is Headers {
  return typeof (headers as Headers).get === 'function'
}

/**
 * Every value of one header field, each occurrence apart where the source keeps them apart (a record
 * with arrays, as Node's `headersDistinct`). Fetch `Headers` joins repeats with ", ", which later fails
 * the token68 syntax, so a repeat is refused either way. Names compare case-insensitively.
 */
export function readHeaderValues(headers: Headers | HeaderRecord, name: string): string[] {
  if (isHeaders(headers)) {
    const value = headers.get(name)
    return value === null ? [] : [value]
  }
  const values: string[] = []
  for (const key in headers) {
    if (key.length !== name.length || key.toLowerCase() !== name) continue
    const value = headers[key]
    if (typeof value === 'string') values.push(value)
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') values.push(item)
  }
  return values
}
