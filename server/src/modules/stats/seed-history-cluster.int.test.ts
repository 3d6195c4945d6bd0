// `pnpm seed:history` on a real 3-master Redis Cluster (REDIS_CLUSTER=1, REDIS_URL naming a node that is not the
// tag's master first): it connects as the server does, so every key it writes carries the tag and lies on the tag's
// master, and nothing lands anywhere else.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { keyBase, startRedisCluster, writeFixtureJurisdiction, type ClusterNodeHandle, type RedisClusterHandle } from '../../testing/index.js';

const run = promisify(execFile);
const SERVER = fileURLToPath(new URL('../../..', import.meta.url));

async function keysOn(node: ClusterNodeHandle): Promise<string[]> {
  const c = createClient({ url: node.url });
  await c.connect();
  try { return await c.keys('*'); } finally { c.destroy(); }
}

describe('seed:history on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => { cluster = await startRedisCluster(); }, 60_000);
  afterAll(async () => { await cluster?.dispose(); });

  it('writes under the tag, on the tag\'s master only', async () => {
    const base = keyBase({ keyPrefix: 'sh:', cluster: true });
    const master = await cluster.masterOf(base);
    const others = cluster.nodes.filter((n) => n !== master);
    const { stderr, stdout } = await run('node_modules/.bin/tsx', ['src/modules/stats/seed-history.ts', '--months', '1', '--per-day', '5', '--no-today'], {
      cwd: SERVER,
      timeout: 90_000,
      env: {
        ...process.env, NODE_ENV: 'test', REDIS_URL: [...others, master].map((n) => n.url).join(','), REDIS_CLUSTER: '1', KEY_PREFIX: 'sh:',
        JURISDICTION_DIR: await writeFixtureJurisdiction(),
      },
    });
    expect(`${stdout}${stderr}`).toMatch(/history: \d+ days, [1-9]\d* incidents/);

    const written = await keysOn(master);
    expect(written.length).toBeGreaterThan(10);
    expect(written.filter((k) => !k.startsWith(base))).toEqual([]);
    for (const n of others) expect(await keysOn(n)).toEqual([]);
  }, 120_000);
});
