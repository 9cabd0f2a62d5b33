import type { Cluster } from 'ioredis'
import { withTimeout, type RedisClient } from './shared.js'

/** The only `maxmemory-policy` that never drops a key before its TTL ends. */
export const SAFE_POLICY = 'noeviction'

/**
 * The replay store found a `maxmemory-policy` that may evict live replay keys (every `allkeys-*` and
 * `volatile-*` policy), and `allowEvictingPolicy` is not set: `useOnce` refuses (503).
 */
export class RedisEvictionPolicyError extends Error {
  override readonly name = 'RedisEvictionPolicyError'
  /** The policy Redis reported, e.g. `allkeys-lru`. */
  readonly policy: string

  constructor(policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}", which can evict live DPoP replay keys (a used proof could then be ` +
        `accepted again); set it to "${SAFE_POLICY}" (CONFIG SET maxmemory-policy ${SAFE_POLICY}, or redis.conf), ` +
        'or pass allowEvictingPolicy: true to createRedisReplayStore to accept that risk',
    )
    this.policy = policy
  }
}

/** What `CONFIG GET maxmemory-policy` told: the policy of every node asked, or why it could not be read. */
export type PolicyReading = { readonly policies: readonly string[] } | { readonly unknown: string }

/**
 * The server answered, but not with a policy: `CONFIG` renamed or disabled (managed Redis:
 * `ERR unknown command`), or an ACL without it (`NOPERM`). Asking again will not help.
 */
function isRefusal(error: unknown): error is Error {
  return error instanceof Error && /^(ERR|NOPERM)\b/.test(error.message)
}

function policyOf(reply: unknown): string | undefined {
  // RESP2: ['maxmemory-policy', 'noeviction']; RESP3 clients may give a map.
  const value = Array.isArray(reply) ? reply[1] : typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>)['maxmemory-policy'] : undefined
  if (typeof value === 'string') return value
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined
}

/**
 * `CONFIG GET maxmemory-policy` on the node, or on every primary of a Cluster (the policy is per
 * instance). Rejects when Redis could not be asked (down, not connected yet, timed out: worth asking
 * again); resolves with `unknown` when Redis refused the command or answered something else.
 */
export async function readEvictionPolicy(redis: RedisClient, timeoutMs: number): Promise<PolicyReading> {
  const nodes = redis.isCluster ? (redis as Cluster).nodes('master') : [redis]
  if (nodes.length === 0) throw new Error('Redis Cluster has no primary connected yet (maxmemory-policy not checked)')
  const policies: string[] = []
  for (const node of nodes) {
    let reply: unknown
    try {
      reply = await withTimeout(node.config('GET', 'maxmemory-policy'), timeoutMs, 'CONFIG GET maxmemory-policy')
    } catch (error) {
      if (isRefusal(error)) return { unknown: error.message }
      throw error
    }
    const policy = policyOf(reply)
    if (policy === undefined) return { unknown: 'CONFIG GET maxmemory-policy gave no value' }
    policies.push(policy)
  }
  return { policies }
}
