#!/usr/bin/env node
// `pnpm test`: every check and every test of the workspace, in this order
//   1. `pnpm -r typecheck`  — stops here on a type error
//   2. `pnpm lint`          — a lint error fails the run, but the tests still run
//   3. one Vitest run over all packages (root vitest.config.ts: projects shared, server, client,
//      tests, scripts), JSON report in .artifacts/vitest-report.json
// and ends with exactly one summary line, `tests: N passed, M failed[, K skipped]`.
// Exit code 0 only when everything passed and at least one test ran.
//
// Extra arguments go to Vitest: `pnpm test server/src/modules/live`, `pnpm test -t "ring"`.
// `--skip-checks` (ours, not Vitest's) skips typecheck and lint for a quick local loop.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colours, findExecutable, run } from './lib/exec.mjs';
import { REDIS_INSTALL_LINES } from './lib/redis.mjs';
import { summarizeReport } from './lib/report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPORT = join(ROOT, '.artifacts', 'vitest-report.json');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const c = colours(process.stdout);

const argv = process.argv.slice(2);
const skipChecks = argv.includes('--skip-checks');
const vitestArgs = argv.filter((a) => a !== '--skip-checks');
// positional arguments are file filters (an option's value may land here too; only used to decide
// whether the browser tests are part of this run)
const filters = vitestArgs.filter((a) => !a.startsWith('-'));

function step(title) {
  process.stdout.write(`\n${c.bold(c.cyan(`▶ ${title}`))}\n`);
}
function finish(summaryLine, code, note) {
  if (note) process.stdout.write(`${c.red(note)}\n`);
  // the very last line; CI reads it
  process.stdout.write(`${summaryLine}\n`);
  process.exit(code);
}
const NOTHING_RAN = 'tests: 0 passed, 0 failed';

// ── preflight: what the tests need from the machine ────────────────────────────────────────
if (!findExecutable('redis-server')) {
  process.stdout.write(`${REDIS_INSTALL_LINES.join('\n')}\n(测试会在空闲端口上自己启动 redis-server / the tests start their own redis-server on free ports.)\n`);
  finish(NOTHING_RAN, 1, 'redis-server is missing; no tests were run');
}
const e2eSelected =
  existsSync(join(ROOT, 'tests', 'e2e')) && (filters.length === 0 || filters.some((f) => f.startsWith('tests') || f.includes('e2e')));
if (e2eSelected && !existsSync(CHROMIUM)) {
  process.stdout.write(
    [
      `Chromium not found at ${CHROMIUM}; the browser tests (tests/e2e) need it.`,
      '未找到 Chromium，浏览器测试 (tests/e2e) 需要它。',
      '  Debian / Ubuntu:  sudo apt-get install -y chromium fonts-noto-cjk',
      '  elsewhere: install Chromium/Chrome and set CHROMIUM_PATH=/path/to/chrome',
      '',
    ].join('\n'),
  );
  finish(NOTHING_RAN, 1, 'Chromium is missing; no tests were run');
}

// ── 1 + 2: typecheck, lint ─────────────────────────────────────────────────────────────────
const pnpm = pnpmCommand();
// `.ci/run` runs `pnpm test` with npm_config_reporter=silent so that pnpm prints nothing after our
// summary line (not even "ELIFECYCLE Test failed"); the nested pnpm runs must still show errors.
const pnpmEnv = { ...process.env };
delete pnpmEnv.npm_config_reporter;
let lintFailed = false;
if (skipChecks) {
  process.stdout.write(c.yellow('--skip-checks: not running typecheck and lint\n'));
} else {
  step('typecheck (pnpm -r typecheck)');
  if ((await run(pnpm[0], [...pnpm[1], '-r', 'typecheck'], { cwd: ROOT, env: pnpmEnv })) !== 0) {
    finish(NOTHING_RAN, 1, '✗ typecheck failed (see above); no tests were run');
  }
  step('lint (pnpm lint)');
  lintFailed = (await run(pnpm[0], [...pnpm[1], 'lint'], { cwd: ROOT, env: pnpmEnv })) !== 0;
  if (lintFailed) process.stdout.write(c.red('✗ lint failed (see above); running the tests anyway\n'));
}

// ── 3: one Vitest run over every project ───────────────────────────────────────────────────
step(`vitest${vitestArgs.length ? ` ${vitestArgs.join(' ')}` : ''}`);
const vitest = vitestBin();
rmSync(REPORT, { force: true });
mkdirSync(dirname(REPORT), { recursive: true });
const vitestCode = await run(process.execPath, [vitest, 'run', '--config', join(ROOT, 'vitest.config.ts'), ...vitestArgs], {
  cwd: ROOT,
  env: { ...process.env, CHROMIUM_PATH: CHROMIUM },
});

let report;
try {
  report = JSON.parse(readFileSync(REPORT, 'utf8'));
} catch {
  finish(NOTHING_RAN, 1, `✗ vitest exited with code ${vitestCode} and wrote no report (${REPORT})`);
}
const summary = summarizeReport(report);
const notes = [];
if (summary.brokenFiles.length) notes.push(`✗ test files that failed to run: ${summary.brokenFiles.map((f) => f.replace(`${ROOT}/`, '')).join(', ')}`);
if (summary.passed + summary.failed === 0) notes.push('✗ no tests ran');
if (vitestCode !== 0 && summary.failed === 0 && summary.passed > 0) notes.push(`✗ vitest exited with code ${vitestCode} (errors outside tests, see above)`);
if (lintFailed) notes.push('✗ lint failed (see above)');
const ok = vitestCode === 0 && summary.failed === 0 && summary.passed > 0 && !lintFailed;
finish(summary.line, ok ? 0 : 1, notes.join('\n') || undefined);

// ── helpers ────────────────────────────────────────────────────────────────────────────────
function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm\.(c?js|mjs)$/.test(execPath) && existsSync(execPath)) return [process.execPath, [execPath]];
  const onPath = findExecutable('pnpm');
  if (onPath) return [onPath, []];
  process.stdout.write('pnpm not found: install it with `npm install -g pnpm@10`\n');
  finish(NOTHING_RAN, 1);
}

/** Vitest is a devDependency of the packages, not of the root: use theirs. */
function vitestBin() {
  for (const pkg of ['server', 'tests', 'client', 'shared']) {
    try {
      const require = createRequire(join(ROOT, pkg, 'package.json'));
      const manifestPath = require.resolve('vitest/package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.vitest;
      if (bin) return join(dirname(manifestPath), bin);
    } catch {
      // not installed in this package
    }
  }
  process.stdout.write('vitest is not installed: run `pnpm install` first\n');
  finish(NOTHING_RAN, 1);
}
