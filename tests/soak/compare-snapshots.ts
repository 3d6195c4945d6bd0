// Which kinds of object grew between two heap snapshots (`pnpm soak --heap-snapshots` writes one at the end of the
// warm-up and one at the end): self size and count per constructor name, largest growth first.
//   pnpm --filter @ccr/tests exec tsx soak/compare-snapshots.ts A.heapsnapshot B.heapsnapshot [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** "type:name" → { count, bytes } over every node of the snapshot. */
function tally(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    // Strings and code are named by their content: one bucket per type is what helps.
    const name = ['object', 'closure', 'native'].includes(type) ? snap.strings[snap.nodes[i + nameAt]!] ?? '?' : '';
    const key = `${type}:${name.slice(0, 80)}`;
    const t = out.get(key) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, t);
  }
  return out;
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' } }, allowPositionals: true });
if (positionals.length !== 2) {
  process.stderr.write('usage: tsx soak/compare-snapshots.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--top 30]\n');
  process.exit(2);
}
const [a, b] = [tally(positionals[0]!), tally(positionals[1]!)];
const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => {
  const x = a.get(key) ?? { count: 0, bytes: 0 };
  const y = b.get(key) ?? { count: 0, bytes: 0 };
  return { key, dCount: y.count - x.count, dBytes: y.bytes - x.bytes, count: y.count, bytes: y.bytes };
}).sort((p, q) => q.dBytes - p.dBytes);
const total = (m: Map<string, { bytes: number }>): number => [...m.values()].reduce((s, t) => s + t.bytes, 0);
process.stdout.write(`total self size: ${(total(a) / 1e6).toFixed(2)} MB → ${(total(b) / 1e6).toFixed(2)} MB\n`);
process.stdout.write(`${'Δ bytes'.padStart(10)} ${'Δ count'.padStart(8)} ${'count'.padStart(8)}  type:name\n`);
for (const r of rows.slice(0, Number(values.top))) {
  process.stdout.write(`${String(r.dBytes).padStart(10)} ${String(r.dCount).padStart(8)} ${String(r.count).padStart(8)}  ${r.key}\n`);
}
