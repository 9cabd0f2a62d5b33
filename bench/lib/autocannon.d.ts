// The part of autocannon's programmatic API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number
    mean: number
    p50: number
    p99: number
    total: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    pipelining?: number
    timeout?: number
    /** Requests per second across all connections (0: as fast as the server answers). */
    overallRate?: number
    requests?: Array<Record<string, unknown>>
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
