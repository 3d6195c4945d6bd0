// Tests of the launcher's helpers. Vitest globals (describe/it/expect): Vitest is not resolvable
// from the repository root, so this file imports nothing from it.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { findExecutable, packageScript, prefixLines } from './exec.mjs';
import { clientBuildReason, newestMtime } from './freshness.mjs';
import { parseRedisUrl, portInUse, redactRedisUrl, redisPing, waitForRedis } from './redis.mjs';
import { summarizeReport } from './report.mjs';
import { backoffDelay, Supervised } from './supervisor.mjs';

const tmp = () => mkdtempSync(join(tmpdir(), 'ccr-scripts-'));
const touch = (file, secondsAgo) => {
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(file, t, t);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

describe('backoffDelay', () => {
  it('doubles from 1 s and caps at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('client build freshness', () => {
  it('is missing without client/dist/index.html, stale when a source is newer, else up to date', () => {
    const root = tmp();
    try {
      mkdirSync(join(root, 'client', 'src', 'views'), { recursive: true });
      mkdirSync(join(root, 'shared', 'src'), { recursive: true });
      writeFileSync(join(root, 'client', 'index.html'), '<html>');
      writeFileSync(join(root, 'client', 'src', 'views', 'Wall.vue'), '<template/>');
      writeFileSync(join(root, 'shared', 'src', 'index.ts'), 'export {}');
      for (const f of ['client/index.html', 'client/src/views/Wall.vue', 'shared/src/index.ts']) touch(join(root, f), 100);
      expect(clientBuildReason(root)).toBe('missing');

      mkdirSync(join(root, 'client', 'dist'));
      writeFileSync(join(root, 'client', 'dist', 'index.html'), '<html>');
      touch(join(root, 'client', 'dist', 'index.html'), 50);
      expect(clientBuildReason(root)).toBeNull();

      touch(join(root, 'shared', 'src', 'index.ts'), 10); // a shared source changed after the build
      expect(clientBuildReason(root)).toBe('stale');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('ignores node_modules and counts missing paths as 0', () => {
    const root = tmp();
    try {
      mkdirSync(join(root, 'src', 'node_modules'), { recursive: true });
      writeFileSync(join(root, 'src', 'a.ts'), '');
      writeFileSync(join(root, 'src', 'node_modules', 'b.js'), '');
      touch(join(root, 'src', 'a.ts'), 100);
      expect(Math.round(newestMtime([join(root, 'src'), join(root, 'nope')]) / 1000)).toBe(Math.round(Date.now() / 1000 - 100));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('findExecutable / packageScript', () => {
  it('finds executables on a given PATH only', () => {
    const dir = tmp();
    try {
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
      chmodSync(join(dir, 'tool'), 0o755);
      writeFileSync(join(dir, 'data'), '');
      expect(findExecutable('tool', `/nonexistent:${dir}`)).toBe(join(dir, 'tool'));
      expect(findExecutable('data', dir)).toBeNull();
      expect(findExecutable('tool', '/nonexistent')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a simple script directly from node_modules/.bin and shell syntax through sh', () => {
    const root = tmp();
    try {
      const pkg = join(root, 'server');
      mkdirSync(join(pkg, 'node_modules', '.bin'), { recursive: true });
      writeFileSync(join(pkg, 'node_modules', '.bin', 'tsx'), '#!/bin/sh\n');
      chmodSync(join(pkg, 'node_modules', '.bin', 'tsx'), 0o755);
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@x/server', scripts: { start: 'tsx src/server.ts', both: 'tsx a.ts && tsx b.ts' } }));
      const direct = packageScript(pkg, 'start', root, { PATH: '/usr/bin' });
      expect(direct).toMatchObject({ command: join(pkg, 'node_modules', '.bin', 'tsx'), args: ['src/server.ts'], cwd: pkg, viaShell: false });
      expect(direct.env.PATH.split(':').slice(0, 2)).toEqual([join(pkg, 'node_modules', '.bin'), join(root, 'node_modules', '.bin')]);
      expect(packageScript(pkg, 'both', root, { PATH: '/usr/bin' })).toMatchObject({ command: 'sh', args: ['-c', 'tsx a.ts && tsx b.ts'], viaShell: true });
      expect(() => packageScript(pkg, 'missing', root)).toThrow(/no "missing" script/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('prefixLines', () => {
  it('prefixes every line, including a last line without newline', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d) => (text += d));
    const done = prefixLines(input, '[server] ', output);
    input.write('{"level":30,"msg":"listening"}\nsecond ');
    input.end('line');
    await done;
    expect(text).toBe('[server] {"level":30,"msg":"listening"}\n[server] second line\n');
  });
});

describe('Redis URL handling', () => {
  it('parses redis:// and rediss:// URLs and masks passwords', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toMatchObject({ host: '127.0.0.1', port: 6380, tls: false });
    expect(parseRedisUrl('rediss://user:p%40ss@redis.example:6390/2')).toMatchObject({ host: 'redis.example', port: 6390, username: 'user', password: 'p@ss', tls: true });
    expect(parseRedisUrl('redis://redis')).toMatchObject({ host: 'redis', port: 6379 });
    expect(() => parseRedisUrl('http://x')).toThrow(/unsupported/);
    expect(redactRedisUrl('redis://:secret@h:1/0')).toBe('redis://:***@h:1/0');
  });
});

describe('redisPing against a real redis-server', () => {
  let port;
  let redis;
  beforeAll(async () => {
    port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'sesame'], { stdio: 'ignore' });
    const up = await waitForRedis({ port, password: 'sesame' }, 10_000, 50);
    if (!up) throw new Error('redis-server did not start');
  });
  afterAll(() => redis?.kill('SIGTERM'));

  it('answers ok with the password and says NOAUTH without it', async () => {
    expect(await redisPing({ port, password: 'sesame' })).toEqual({ ok: true });
    const noAuth = await redisPing({ port });
    expect(noAuth.ok).toBe(false);
    expect(noAuth.reason).toMatch(/NOAUTH/);
  });

  it('reports a closed port as refused and a non-Redis listener as not Redis', async () => {
    const closed = await freePort();
    expect(await redisPing({ port: closed })).toMatchObject({ ok: false, reason: 'connection refused' });
    expect(await portInUse(closed)).toBe(false);

    const http = net.createServer((socket) => {
      socket.on('error', () => {}); // the probes hang up abruptly
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise((r) => http.listen(0, '127.0.0.1', r));
    try {
      const notRedis = await redisPing({ port: http.address().port });
      expect(notRedis).toMatchObject({ ok: false, notRedis: true });
      expect(await portInUse(http.address().port)).toBe(true);
    } finally {
      http.close();
    }
  });
});

describe('Supervised', () => {
  it('restarts a child that exits, with backoff, and stops it with SIGTERM', async () => {
    const dir = tmp();
    const counter = join(dir, 'starts');
    const messages = [];
    const sink = new PassThrough().resume();
    // exits at once on its first two starts, then stays up until SIGTERM
    const script = `
      const fs = require('fs');
      const n = (fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0) + 1;
      fs.writeFileSync(${JSON.stringify(counter)}, String(n));
      if (n <= 2) process.exit(3);
      process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
      setInterval(() => {}, 1000);
    `;
    const child = new Supervised({
      name: 'demo',
      spec: () => ({ command: process.execPath, args: ['-e', script] }),
      log: (m) => messages.push(m),
      baseMs: 50,
      stdout: sink,
      stderr: sink,
    });
    try {
      child.start();
      const deadline = Date.now() + 10_000;
      while (child.starts < 3 && Date.now() < deadline) await sleep(20);
      expect(child.starts).toBe(3);
      await sleep(300);
      expect(child.running).toBe(true);
      expect(messages.filter((m) => /exited with code 3/.test(m))).toHaveLength(2);
      expect(messages[1]).toMatch(/restarting in 100 ms \(restart #2\)/);
      await child.stop('SIGTERM', 5000);
      expect(child.running).toBe(false);
      await sleep(200);
      expect(child.starts).toBe(3); // not restarted after stop()
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Supervised stop of a stubborn process tree', () => {
  it('SIGKILLs the whole process group after the grace period, grandchildren included', async () => {
    const lines = [];
    const sink = new PassThrough().resume();
    // like tsx → node: a parent that ignores SIGTERM, with a child that ignores it too
    const script = `
      const { spawn } = require('child_process');
      process.on('SIGTERM', () => {});
      const g = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      console.log('grandchild ' + g.pid);
      setInterval(() => {}, 1000);
    `;
    const child = new Supervised({
      name: 'stubborn',
      spec: () => ({ command: process.execPath, args: ['-e', script] }),
      log: () => {},
      stdout: sink,
      stderr: sink,
      onLine: (line) => lines.push(line),
    });
    child.start();
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.startsWith('grandchild')) && Date.now() < deadline) await sleep(20);
    const grandchild = Number(lines.find((l) => l.startsWith('grandchild')).split(' ')[1]);
    expect(alive(grandchild)).toBe(true);
    const started = Date.now();
    await child.stop('SIGTERM', 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await sleep(200);
    expect(alive(grandchild)).toBe(false);
  });
});

/** Running (a zombie left for an init that does not reap counts as gone). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): signal 0 succeeded
  }
}

describe('summarizeReport', () => {
  it('counts passed, failed, skipped and files that broke without a failed test', () => {
    const report = {
      numPassedTests: 5,
      numFailedTests: 1,
      numPendingTests: 2,
      numTodoTests: 1,
      testResults: [
        { name: '/r/a.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }] },
        { name: '/r/b.test.ts', status: 'failed', assertionResults: [{ status: 'failed' }] },
        { name: '/r/c.test.ts', status: 'failed', assertionResults: [] },
      ],
    };
    expect(summarizeReport(report)).toEqual({ passed: 5, failed: 2, skipped: 3, brokenFiles: ['/r/c.test.ts'], line: 'tests: 5 passed, 2 failed, 3 skipped' });
    expect(summarizeReport({ numPassedTests: 3, numFailedTests: 0, testResults: [] }).line).toBe('tests: 3 passed, 0 failed');
  });
});

describe('start.mjs announcement', () => {
  it('prints the same demo password the server creates the demo accounts with', () => {
    const root = new URL('../../', import.meta.url);
    const server = readFileSync(new URL('server/src/modules/auth/auth-config.ts', root), 'utf8');
    const start = readFileSync(new URL('scripts/start.mjs', root), 'utf8');
    const serverDefault = /DEMO_PASSWORD = '([^']+)'/.exec(server)?.[1];
    expect(serverDefault).toBeTruthy();
    expect(start).toContain(`'${serverDefault}'`);
  });
});
