const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** True when the URL's host is a loopback address (plain `http` is allowed there, for development and tests). */
export function isLoopbackURL(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname)
}

/** Parses an absolute URL; `undefined` when it is not one. */
export function parseURL(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/** `https:`, or `http:` on a loopback host. */
export function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackURL(url))
}

/**
 * The URL as it may appear in an operator's log: scheme, host and path, without userinfo, query or
 * fragment (where API keys and credentials ride). Never for a client-visible description, which names
 * the issuer instead (an endpoint's host may be an internal address).
 */
export function redactURL(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`
}
