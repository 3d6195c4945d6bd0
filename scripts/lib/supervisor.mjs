// Keep a child process running: restart it with exponential backoff when it exits unexpectedly,
// stop it politely (SIGTERM, then SIGKILL after a grace period) when asked.
import { spawn } from 'node:child_process';
import { prefixLines } from './exec.mjs';

/** Delay before restart number `restarts` (0-based): 1 s, 2 s, 4 s, 8 s, 16 s, then 30 s. */
export function backoffDelay(restarts, baseMs = 1000, maxMs = 30_000) {
  return Math.min(baseMs * 2 ** Math.max(0, restarts), maxMs);
}

export class Supervised {
  /**
   * @param {object} options
   * @param {string} options.name                 label used in logs, e.g. "server"
   * @param {() => {command: string, args: string[], cwd?: string, env?: object, viaShell?: boolean}} options.spec
   * @param {(message: string) => void} options.log supervisor messages
   * @param {string} [options.prefix]             prefix for the child's output lines
   * @param {number} [options.stableAfterMs]      uptime after which the backoff starts again at 1 s
   * @param {number} [options.baseMs] @param {number} [options.maxMs] backoff bounds
   * @param {NodeJS.WritableStream} [options.stdout] @param {NodeJS.WritableStream} [options.stderr]
   * @param {(line: string) => void} [options.onLine] sees every output line of the child
   */
  constructor({ name, spec, log, prefix = `[${name}] `, stableAfterMs = 60_000, baseMs = 1000, maxMs = 30_000, stdout = process.stdout, stderr = process.stderr, onLine = undefined }) {
    Object.assign(this, { name, spec, log, prefix, stableAfterMs, baseMs, maxMs, stdout, stderr, onLine });
    this.child = null;
    this.restarts = 0;
    this.starts = 0;
    this.stopping = false;
    this.restartTimer = null;
    this.exited = Promise.resolve();
  }

  get running() {
    return this.child != null;
  }

  start() {
    this.stopping = false;
    this.#spawn();
    return this;
  }

  #spawn() {
    this.restartTimer = null;
    const { command, args, cwd, env, viaShell = false } = this.spec();
    const startedAt = Date.now();
    this.starts += 1;
    // detached: own process group, so a Ctrl-C in the terminal reaches only the launcher, which
    // then stops the children in order.
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.viaShell = viaShell;
    this.child = child;
    const streamsDone = Promise.all([
      prefixLines(child.stdout, this.prefix, this.stdout, this.onLine),
      prefixLines(child.stderr, this.prefix, this.stderr, this.onLine),
    ]);
    let resolveExited;
    this.exited = new Promise((r) => (resolveExited = r));
    let handled = false;
    const onGone = (code, signal, error) => {
      if (handled) return;
      handled = true;
      if (this.child === child) this.child = null;
      const upMs = Date.now() - startedAt;
      const how = error ? `could not start (${error.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolveExited({ code, signal });
      if (this.stopping) return;
      if (upMs >= this.stableAfterMs) this.restarts = 0;
      const delay = backoffDelay(this.restarts, this.baseMs, this.maxMs);
      this.restarts += 1;
      // let the last output lines through before the supervisor's message
      void Promise.race([streamsDone, new Promise((r) => setTimeout(r, 200))]).then(() => {
        if (this.stopping) return;
        this.log(`${this.name} ${how} after ${formatDuration(upMs)} — restarting in ${formatDuration(delay)} (restart #${this.restarts})`);
      });
      this.restartTimer = setTimeout(() => {
        if (!this.stopping) this.#spawn();
      }, delay);
    };
    child.once('error', (error) => onGone(null, null, error));
    child.once('exit', (code, signal) => onGone(code, signal));
  }

  #signal(signal) {
    const child = this.child;
    if (!child?.pid) return;
    try {
      // The child leads its own process group. A `sh -c` wrapper would not pass a signal on, and
      // SIGKILL cannot be relayed (tsx would leave its node child behind): signal the whole group.
      // Otherwise signal only the child, which relays it once (tsx → node).
      if (child.viaShell || signal === 'SIGKILL') process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Stop for good: `signal`, then SIGKILL after `graceMs`. Resolves when the child is gone. */
  async stop(signal = 'SIGTERM', graceMs = 10_000) {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (!this.child) return;
    const exited = this.exited;
    this.#signal(signal);
    const timer = setTimeout(() => {
      this.log(`${this.name} did not stop within ${formatDuration(graceMs)} — killing it`);
      this.#signal('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Immediate SIGKILL (second Ctrl-C). */
  kill() {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.#signal('SIGKILL');
  }
}

export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
