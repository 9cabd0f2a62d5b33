import { base64url } from 'jose'

const BASE64URL = /^[A-Za-z0-9_-]*$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

/** Decodes unpadded, canonical base64url strictly; `undefined` on any character outside the alphabet, a bad length, or stray bits. */
export function decodeBase64url(input: string): Uint8Array | undefined {
  if (!BASE64URL.test(input) || input.length % 4 === 1) return undefined
  // Canonical only: the bits of the last character beyond the data must be zero, so that one byte
  // string has exactly one encoding (a signature cannot be restated in 16 spellings).
  const rest = input.length % 4
  if (rest !== 0 && (ALPHABET.indexOf(input[input.length - 1] as string) & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined
  try {
    return base64url.decode(input)
  } catch {
    return undefined
  }
}

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(input: Uint8Array): string {
  return base64url.encode(input)
}

/** UTF-8 bytes of a string. */
export function utf8Encode(input: string): Uint8Array {
  return encoder.encode(input)
}

/** Decodes base64url, then strict UTF-8, then JSON; `undefined` unless the result is a plain JSON object. */
export function decodeJSONObject(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64url(segment)
  if (bytes === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(bytes))
  } catch {
    return undefined
  }
  return isPlainObject(value) ? value : undefined
}

/** A non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Constant-time comparison of two strings (used for thumbprints and hashes). */
export function timingSafeEqualString(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
