// A private redis-server process for one test file or benchmark: a free port, its own data folder, never the
// machine's shared Redis. Real Redis, never a mock.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerHandle {
  url: string;
  port: number;
  /** Stops the process (SIGTERM, so an append-only file is flushed). */
  stop(): Promise<void>;
  /** Stops and starts again on the same port and data folder. */
  restart(): Promise<void>;
  /** Kills the process (SIGKILL: nothing flushed on the way out) and starts it again on the same port and data
   *  folder. With `appendOnly` every acknowledged write was fsynced (appendfsync always) and survives. */
  crash(): Promise<void>;
  /** Stops and deletes the data folder. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/** `appendOnly`: an append-only file fsynced before each write is acknowledged (appendfsync always). */
export async function startRedisServer(opts: { appendOnly?: boolean } = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ccr-redis-'));
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', opts.appendOnly ? 'yes' : 'no', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning'];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let failed: Error | undefined;
    proc.once('error', (err) => { failed = new Error(`cannot start redis-server (is it installed? apt-get install -y redis-server): ${err.message}`); });
    for (let i = 0; i < 100; i++) {
      if (failed) throw failed;
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${port} did not answer PING`);
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stop(),
    async restart() { await stop(); await launch(); },
    async crash() { await stop('SIGKILL'); await launch(); },
    async dispose() { await stop(); await rm(dir, { recursive: true, force: true }); },
  };
}
