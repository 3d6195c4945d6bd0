// Is the built client (client/dist) older than its sources?
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

/** Newest modification time (ms) of any file at or under the given paths; missing paths count 0. */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) {
        if (!SKIP_DIRS.has(entry)) visit(join(path, entry));
      }
    } else if (stat.mtimeMs > newest) {
      newest = stat.mtimeMs;
    }
  };
  for (const path of paths) visit(path);
  return newest;
}

/** The sources a client build depends on (relative to the repository root). */
export const CLIENT_BUILD_INPUTS = [
  'client/src',
  'client/index.html',
  'client/public',
  'client/vite.config.ts',
  'client/package.json',
  'shared/src',
];

/**
 * Why the client needs (re)building, or null when client/dist is up to date.
 * @returns {null | 'missing' | 'stale'}
 */
export function clientBuildReason(rootDir, inputs = CLIENT_BUILD_INPUTS) {
  let builtAt;
  try {
    builtAt = statSync(join(rootDir, 'client', 'dist', 'index.html')).mtimeMs;
  } catch {
    return 'missing';
  }
  const sourcesAt = newestMtime(inputs.map((p) => join(rootDir, p)));
  return sourcesAt > builtAt ? 'stale' : null;
}
