/** The global `fetch`, wrapped to record every URL requested (for the guard's `fetch` option). */
export interface RecordingFetch {
  readonly fetch: typeof fetch
  readonly urls: string[]
  /** Requests whose URL starts with `prefix`. */
  count(prefix: string): number
  /** Requests to a host (`hostname` or `hostname:port`). */
  countHost(host: string): number
}

export function recordingFetch(): RecordingFetch {
  const urls: string[] = []
  const record: typeof fetch = (input, init) => {
    urls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    return globalThis.fetch(input, init)
  }
  return {
    fetch: record,
    urls,
    count: (prefix) => urls.filter((url) => url.startsWith(prefix)).length,
    countHost: (host) => urls.filter((url) => new URL(url).host === host || new URL(url).hostname === host).length,
  }
}
