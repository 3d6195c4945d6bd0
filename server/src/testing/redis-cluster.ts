// A private Redis Cluster for one test file: plain redis-server processes in cluster mode on free ports, each in
// its own folder under one temp dir, joined by `redis-cli --cluster create` (Debian's redis-tools). Three masters,
// and with `replicas` one replica each (so killing a master's process fails over to its replica). Real Redis,
// never a mock.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ping } from './redis-server.js';

const run = promisify(execFile);

export interface ClusterNodeHandle {
  port: number;
  url: string;
  /** Whether the process is running (false after kill). */
  readonly alive: boolean;
  /** SIGKILL: the process is gone, nothing flushed; the cluster sees it fail after cluster-node-timeout. */
  kill(): Promise<void>;
}

export interface RedisClusterHandle {
  nodes: ClusterNodeHandle[];
  /** Every node's URL, comma-separated: what REDIS_URL holds for a cluster. */
  url: string;
  /** The node that is master of `key`'s slot now, asked of a live node. */
  masterOf(key: string): Promise<ClusterNodeHandle>;
  /** The live replicas of `master`. */
  replicasOf(master: ClusterNodeHandle): Promise<ClusterNodeHandle[]>;
  /** Waits until every live node says cluster_state:ok and they agree that `key`'s slot is served by a live master. */
  waitOk(key?: string, timeoutMs?: number): Promise<void>;
  /** Kills every process and deletes the temp dir. */
  dispose(): Promise<void>;
}

/** NODE_TIMEOUT_MS: how long a silent master stays up in its peers' eyes before its replica takes over. */
const NODE_TIMEOUT_MS = 1_000;

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** A cluster of 3 masters (and, with `replicas`, 3 replicas), cluster_state:ok when this resolves. */
export async function startRedisCluster(opts: { replicas?: boolean } = {}): Promise<RedisClusterHandle> {
  try {
    await run('redis-cli', ['--version']);
  } catch {
    throw new Error('redis-cli not found (apt-get install -y redis-tools): it joins the cluster');
  }
  const count = opts.replicas ? 6 : 3;
  const root = await mkdtemp(join(tmpdir(), 'ccr-cluster-'));
  const procs = new Map<number, ChildProcess>();
  const nodes: ClusterNodeHandle[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all([...procs.values()].map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    })));
    procs.clear();
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const dir = join(root, String(port));
      await mkdir(dir);
      const proc = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning',
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
        // A replica takes over however long it was cut off (the test kills a master on purpose).
        '--cluster-replica-validity-factor', '0',
        // DEBUG SLEEP: a test stalls a replica to see that an answer waited for it.
        '--enable-debug-command', 'local',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      procs.set(port, proc);
      let failed: Error | undefined;
      proc.once('error', (err) => { failed = new Error(`cannot start redis-server: ${err.message}`); });
      for (let t = 0; !(await ping(port)); t++) {
        if (failed) throw failed;
        if (t > 100) throw new Error(`redis-server on port ${port} did not answer PING`);
        await new Promise((r) => setTimeout(r, 50));
      }
      nodes.push({
        port, url: `redis://127.0.0.1:${port}`,
        get alive() { const p = procs.get(port); return !!p && p.exitCode === null && p.signalCode === null; },
        async kill() {
          const p = procs.get(port);
          if (!p || p.exitCode !== null || p.signalCode !== null) return;
          await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGKILL'); });
        },
      });
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', opts.replicas ? '1' : '0', '--cluster-yes'], { timeout: 30_000 });

    const live = (): ClusterNodeHandle[] => nodes.filter((n) => n.alive);
    const masterOf = async (key: string): Promise<ClusterNodeHandle> => {
      const slot = Number((await cli(live()[0]!.port, 'CLUSTER', 'KEYSLOT', key)).trim());
      // CLUSTER NODES: `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <state> <slots...>`
      for (const line of (await cli(live()[0]!.port, 'CLUSTER', 'NODES')).split('\n')) {
        const f = line.trim().split(' ');
        if (f.length < 8 || !f[2]!.split(',').includes('master') || f[2]!.includes('fail')) continue;
        const owns = f.slice(8).some((r) => {
          if (r.startsWith('[')) return false; // a slot being migrated
          const [a, b] = r.split('-').map(Number);
          return slot >= a! && slot <= (b ?? a!);
        });
        if (!owns) continue;
        const port = Number(f[1]!.split('@')[0]!.split(':').pop());
        const node = nodes.find((n) => n.port === port);
        if (node) return node;
      }
      throw new Error(`no live master owns slot ${slot} (${key})`);
    };
    const waitOk = async (key = 'x', timeoutMs = 30_000): Promise<void> => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        try {
          const infos = await Promise.all(live().map((n) => cli(n.port, 'CLUSTER', 'INFO')));
          if (infos.every((i) => i.includes('cluster_state:ok')) && (await masterOf(key)).alive) return;
        } catch { /* a node still settling: ask again */ }
        if (Date.now() > until) throw new Error(`the cluster did not reach cluster_state:ok in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const replicasOf = async (master: ClusterNodeHandle): Promise<ClusterNodeHandle[]> => {
      const out: ClusterNodeHandle[] = [];
      for (const n of live()) {
        const info = await cli(n.port, 'INFO', 'replication');
        if (info.includes('role:slave') && info.includes(`master_port:${master.port}\r`)) out.push(n);
      }
      return out;
    };
    await waitOk();
    if (opts.replicas) {
      // Every replica has finished its first sync, so a write acknowledged from now on can be replicated (WAIT).
      const until = Date.now() + 30_000;
      for (;;) {
        const infos = await Promise.all(nodes.map((n) => cli(n.port, 'INFO', 'replication')));
        const replicas = infos.filter((i) => i.includes('role:slave'));
        if (replicas.length === 3 && replicas.every((i) => i.includes('master_link_status:up') && i.includes('master_sync_in_progress:0'))) break;
        if (Date.now() > until) throw new Error('the replicas did not finish their first sync in 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { nodes, url: nodes.map((n) => n.url).join(','), masterOf, replicasOf, waitOk, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
