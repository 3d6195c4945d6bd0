// Raw RESP PING over node:net / node:tls, so the launcher can check a Redis before any npm
// dependency is involved.
import net from 'node:net';
import tls from 'node:tls';

/** Parse a redis:// or rediss:// URL into connection options. Throws on anything else. */
export function parseRedisUrl(url) {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`unsupported Redis URL scheme "${u.protocol}" (expected redis:// or rediss://)`);
  }
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:',
  };
}

/** A redis:// URL for display with any password masked. */
export function redactRedisUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function encode(...parts) {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

/**
 * Send (AUTH and) PING; resolve `{ ok: true }` on +PONG, else `{ ok: false, reason, notRedis? }`.
 * `reason` is human readable: "connection refused", "NOAUTH Authentication required.", …
 * `notRedis` is true when something answered that does not speak RESP.
 */
export function redisPing({ host = '127.0.0.1', port, username, password, tls: useTls = false }, timeoutMs = 1500) {
  return new Promise((done) => {
    let buffer = '';
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      done(result);
    };
    const options = { host, port, ...(useTls ? { servername: net.isIP(host) ? undefined : host } : {}) };
    const socket = useTls ? tls.connect(options) : net.connect(options);
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.setEncoding('utf8');
    socket.once(useTls ? 'secureConnect' : 'connect', () => {
      const auth = password ? (username ? encode('AUTH', username, password) : encode('AUTH', password)) : '';
      socket.write(auth + encode('PING'));
    });
    socket.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\r\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+PONG') return finish({ ok: true });
        if (line === '+OK') continue; // AUTH accepted
        if (line.startsWith('-')) return finish({ ok: false, reason: line.slice(1) });
        return finish({ ok: false, notRedis: true, reason: `unexpected answer ${JSON.stringify(line.slice(0, 60))} (not Redis?)` });
      }
      if (buffer.length > 256) finish({ ok: false, notRedis: true, reason: 'unexpected answer (not Redis?)' });
    });
    socket.once('error', (error) => {
      const reasons = { ECONNREFUSED: 'connection refused', ENOTFOUND: `host ${host} not found`, ETIMEDOUT: 'connection timed out', EHOSTUNREACH: 'host unreachable' };
      finish({ ok: false, code: error.code, reason: reasons[error.code] ?? error.message });
    });
    socket.once('end', () => finish({ ok: false, notRedis: true, reason: 'connection closed without an answer (not Redis?)' }));
  });
}

/** Resolve true once PING answers PONG, false after `timeoutMs`. */
export async function waitForRedis(target, timeoutMs = 15_000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await redisPing(target, 1000)).ok) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Is anything listening on host:port? */
export function portInUse(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((done) => {
    const socket = net.connect({ host, port });
    const finish = (used) => {
      clearTimeout(timer);
      socket.destroy();
      done(used);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export const REDIS_INSTALL_LINES = [
  '未找到 redis-server。请先安装 Redis：',
  'redis-server was not found on PATH. Install Redis first:',
  '',
  '  Debian / Ubuntu:  sudo apt-get install -y redis-server',
  '  macOS (Homebrew): brew install redis',
];

export const REDIS_INSTALL_HINT = [
  ...REDIS_INSTALL_LINES,
  '',
  '或者把 REDIS_URL 指向一个已有的 Redis（例如 REDIS_URL=redis://127.0.0.1:6379 pnpm start）。',
  'Or point REDIS_URL at an existing Redis (e.g. REDIS_URL=redis://127.0.0.1:6379 pnpm start).',
].join('\n');
