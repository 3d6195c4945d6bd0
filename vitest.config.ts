// One Vitest run over the whole workspace (`pnpm test` → scripts/test.mjs → this file).
//
// Every package is a Vitest project: shared, server, simulator, client, tests (+ the launcher's own tests in
// scripts/). A package with its own vitest.config.* (or vite.config.*, e.g. client's, which carries
// the Vue plugin) keeps every choice it makes there — environment, include, setup files. The
// workspace-wide defaults below (timeouts) are applied only where the package's config leaves them
// unset: Vitest projects do not inherit the root config, so they are filled in by a tiny plugin.
//
// Vitest is a devDependency of the packages, not of the root, so this file imports nothing from it:
// scripts/test.mjs runs the packages' own Vitest binary with this config.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const PACKAGES = ['shared', 'server', 'simulator', 'client', 'tests'] as const;

/** Defaults for every project; a package's own config wins where it sets a value. */
const PROJECT_DEFAULTS = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

const CONFIG_NAMES = ['vitest.config', 'vite.config'].flatMap((base) =>
  ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((ext) => `${base}.${ext}`),
);

function packageConfigFile(dir: string): string | undefined {
  return CONFIG_NAMES.map((name) => join(dir, name)).find((file) => existsSync(file));
}

interface TestOptions {
  name?: string;
  testTimeout?: number;
  hookTimeout?: number;
  [key: string]: unknown;
}

/** A Vite plugin that fills in unset test options after the package's own config is loaded. */
function projectDefaults(name: string) {
  return {
    name: 'ccr:project-defaults',
    config(config: { test?: TestOptions }) {
      const test = (config.test ??= {});
      test.name ??= name;
      test.testTimeout ??= PROJECT_DEFAULTS.testTimeout;
      test.hookTimeout ??= PROJECT_DEFAULTS.hookTimeout;
    },
  };
}

function packageProject(name: string) {
  const dir = join(ROOT, name);
  const configFile = packageConfigFile(dir);
  return configFile
    ? { extends: configFile, root: dir, plugins: [projectDefaults(name)], test: {} }
    : { root: dir, plugins: [projectDefaults(name)], test: { environment: 'node' } };
}

export default {
  test: {
    projects: [
      ...PACKAGES.filter((name) => existsSync(join(ROOT, name, 'package.json'))).map(packageProject),
      {
        // The ingest, dispatch and statistics integration suites once more, each test bed a 3-master Redis Cluster
        // (testing/testbed.ts reads CCR_TEST_REDIS) and every server on REDIS_CLUSTER. Not the files that bring
        // their own single redis-server to restart or crash it (those faults are the single node's; a master's
        // failover is cluster.int.test.ts's), nor those that bring their own cluster (seed-history-cluster).
        root: join(ROOT, 'server'),
        plugins: [projectDefaults('server-cluster')],
        test: {
          environment: 'node',
          include: ['src/modules/{ingest,dispatch,stats}/*.int.test.ts', 'src/testing/testbed.int.test.ts'],
          exclude: ['**/alarm-commands-faults.int.test.ts', '**/position-flood.int.test.ts', '**/seed-history-cluster.int.test.ts'],
          env: { CCR_TEST_REDIS: 'cluster' },
          testTimeout: 90_000,
        },
      },
      {
        // the launcher's helpers (scripts/lib); plain .mjs with Vitest globals, since Vitest is
        // not resolvable from the repository root
        root: ROOT,
        plugins: [projectDefaults('scripts')],
        test: { environment: 'node', globals: true, include: ['scripts/**/*.test.mjs'] },
      },
    ],
    // 2-core machines: at most two test files at a time across all projects
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: join(ROOT, '.artifacts', 'vitest-report.json') },
  },
};
