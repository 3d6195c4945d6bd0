// A Lua script called by SHA, reloaded transparently when Redis lost its script cache (restart, failover).
import { createHash } from 'node:crypto';
import type { RedisClient } from './redis.js';

export class LuaScript {
  readonly sha: string;
  constructor(readonly name: string, readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    const argv = args.map(String);
    try {
      return await client.evalSha(this.sha, { keys, arguments: argv });
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, { keys, arguments: argv });
    }
  }
}
