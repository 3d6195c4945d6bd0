// Process helpers for scripts/start.mjs and scripts/test.mjs: Node standard library only.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** Absolute path of an executable found on PATH (no `which` needed), or null. */
export function findExecutable(name, pathEnv = process.env.PATH ?? '') {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const SIMPLE_COMMAND = /^[\w@%+=:,./-]+(?: +[\w@%+=:,./-]+)*$/;

/**
 * How to run `<pkgDir>`'s package.json script `name` the way `pnpm run` would (cwd = package dir,
 * the package's and the root's node_modules/.bin first on PATH), but without pnpm in between:
 * pnpm does not forward SIGTERM to its child, so a supervisor that signals `pnpm` would orphan the
 * server, and signalling the whole process group delivers the signal twice (tsx relays it too).
 * A simple command (`tsx src/server.ts`) is spawned directly; anything with shell syntax runs via
 * `sh -c` and must then be stopped by process group (`viaShell: true`).
 */
export function packageScript(pkgDir, name, rootDir, env = process.env) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const script = pkg.scripts?.[name];
  if (!script) throw new Error(`${pkg.name ?? pkgDir} has no "${name}" script`);
  const binDirs = [join(pkgDir, 'node_modules', '.bin'), join(rootDir, 'node_modules', '.bin')];
  const PATH = [...binDirs, env.PATH ?? ''].join(delimiter);
  const childEnv = { ...env, PATH, npm_package_name: pkg.name ?? '', npm_lifecycle_event: name };
  const trimmed = script.trim();
  if (SIMPLE_COMMAND.test(trimmed)) {
    const [command, ...args] = trimmed.split(/ +/);
    const executable = command.includes('/') ? resolve(pkgDir, command) : findExecutable(command, PATH);
    if (executable) {
      return { label: `${pkg.name} ${name}`, script, command: executable, args, cwd: pkgDir, env: childEnv, viaShell: false };
    }
  }
  return { label: `${pkg.name} ${name}`, script, command: 'sh', args: ['-c', script], cwd: pkgDir, env: childEnv, viaShell: true };
}

/** Copy each line of `stream` to `out`, prefixed (e.g. `[server] `). Returns a promise for the end. */
export function prefixLines(stream, prefix, out = process.stdout, onLine = undefined) {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => {
    out.write(`${prefix}${line}\n`);
    onLine?.(line);
  });
  return new Promise((done) => rl.once('close', done));
}

/** Run a command to completion with inherited stdio. Resolves to its exit code (signal → 128+n). */
export function run(command, args, options = {}) {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.once('error', (error) => {
      process.stderr.write(`cannot run ${command}: ${error.message}\n`);
      done(127);
    });
    child.once('exit', (code, signal) => done(code ?? 128 + (signal ? signalNumber(signal) : 1)));
  });
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 1;
}

/** Small ANSI helpers, only when writing to a terminal and NO_COLOR is unset. */
export function colours(stream = process.stdout) {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const wrap = (open, close) => (text) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : String(text));
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  };
}
