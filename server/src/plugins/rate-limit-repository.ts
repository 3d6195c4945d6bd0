// A @fastify/rate-limit store on node-redis (the plugin's own Redis store speaks ioredis only), so a limit
// holds across every node: fixed windows, one INCR (+ PEXPIRE on the first hit) per request in one script.
import type { RedisClient } from './redis.js';
import { LuaScript } from './lua-script.js';
import type { Keyspace } from './keyspace.js';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

const HIT = new LuaScript('rate-limit-hit', `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { n, ttl }
`);

type IncrCallback = (err: Error | null, res?: { current: number; ttl: number }) => void;

export class RedisRateLimitRepository {
  constructor(private readonly redis: () => RedisClient, private readonly ks: Keyspace) {}

  async hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const client = this.redis();
    // While Redis is away commands queue until it returns; a limit check must fail fast instead (and be skipped).
    if (!client.isReady) throw new Error('redis not ready');
    const [current, ttl] = (await HIT.run(client, [this.ks.rateLimit.hits(key)], [windowMs])) as [number, number];
    return { current, ttl };
  }

  /** The store class @fastify/rate-limit instantiates (`new Store(params)`, `incr`, `child`). */
  storeClass(defaultWindowMs: number): FastifyRateLimitStoreCtor {
    const hit = (key: string, windowMs: number) => this.hit(key, windowMs);
    return class implements FastifyRateLimitStore {
      incr(key: string, cb: IncrCallback, timeWindow?: number): void {
        hit(key, timeWindow ?? defaultWindowMs).then((res) => cb(null, res), (err: Error) => cb(err));
      }
      child(): FastifyRateLimitStore { return this; }
    };
  }
}
