// Keys are built in plugins/keyspace.ts only: a key built from the prefix anywhere else would miss the cluster's hash
// tag and land in another slot. This scans the server's sources (tests aside) for the ways a key used to be built
// from the prefix: a template string opening with a prefix variable, or a prefix concatenated, here or in Lua.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('..', import.meta.url));

const KEYSPACE = 'plugins/keyspace.ts';

/** A template string opening with the prefix: `${prefix}…`, `${this.prefix}…`, `${keyPrefix}…`, `${this.p}…`, `${p}…`, `prefix + '…'` / `prefix .. '…'`. */
const BUILDS_FROM_PREFIX = [
  /`\$\{\s*(?:[\w.]*\.)?(?:[A-Za-z]*[pP]refix|p)\s*\}/,
  /\b(?:[A-Za-z]*[pP]refix)\s*(?:\+|\.\.)\s*['"`]/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|lua)$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : [];
  });
}

describe('keys are built in the keyspace only', () => {
  it('finds no key built from the prefix outside plugins/keyspace.ts', () => {
    const found: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file).replaceAll('\\', '/');
      if (rel === KEYSPACE) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (BUILDS_FROM_PREFIX.some((re) => re.test(line))) found.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('would catch the ways keys were built before the keyspace', () => {
    const old = [
      'units: `${prefix}units`,',
      "private key(id: string): string { return `${this.prefix}rollcall:${id}`; }",
      'const ipKey = `${this.p}pub:ip:${ip}:${hour}`;',
      "incidents[#incidents + 1] = redis.call('GET', prefix .. 'incident:' .. id) or ''",
      "const k = keyPrefix + 'events';",
      'await redis.exists(`${live.keys.lockPrefix}housekeeping`)',
    ];
    expect(old.filter((line) => !BUILDS_FROM_PREFIX.some((re) => re.test(line)))).toEqual([]);
    // …and the scan does read the sources (otherwise the list above would be empty for the wrong reason).
    expect(sources(SRC).some((f) => f.endsWith('keyspace.ts'))).toBe(true);
  });
});
