// Builds the wall display once for the browser tests, into a folder of their own, with the client's own
// Vite config: the tests always see the client as it is in the work tree.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export async function buildClient(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'ccr-client-'));
  const root = join(REPO_ROOT, 'client');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}
