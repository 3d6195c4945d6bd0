// A Lua script called by SHA, reloaded transparently when Redis lost its script cache (restart, failover,
// SCRIPT FLUSH). Scripts live in .lua files beside the code that calls them, each given every key it touches.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis.js';

export class LuaScript {
  readonly sha: string;
  constructor(readonly name: string, readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * The script in `file` (e.g. `new URL('./apply-positions.lua', import.meta.url)`), run after the `preludes`
   * (files of helper functions, in order) as one source.
   */
  static fromFile(name: string, file: URL, ...preludes: URL[]): LuaScript {
    return new LuaScript(name, [...preludes, file].map((f) => readFileSync(f, 'utf8')).join('\n'));
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
