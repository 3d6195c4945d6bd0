// CLI: writes a demo jurisdiction folder (station.json, grids.geojson, roads.geojson, roster.json, volunteers.json).
//   pnpm --filter @ccr/simulator generate-jurisdiction --seed 20261123 --load-units 0 --out ../jurisdiction/demo
// The committed demo is --seed 20261123 --load-units 0; a load-test roster adds --load-units 5000.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_SEED, buildDemoJurisdiction, serializeJurisdiction } from './jurisdiction-generator.js';

const USAGE = `usage: generate-jurisdiction.ts [--seed N] [--load-units N] --out DIR
  --seed N        town seed (default ${DEMO_SEED}, the committed demo)
  --load-units N  extra patrol units L-00001… for load tests (default 0)
  --out DIR       folder to write; created if missing`;

function fail(message: string): never {
  process.stderr.write(`generate-jurisdiction: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function nonNegativeInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a non-negative integer, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        seed: { type: 'string' },
        'load-units': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.out) fail('--out is required');
  const seed = nonNegativeInt('--seed', values.seed, DEMO_SEED);
  const loadUnits = nonNegativeInt('--load-units', values['load-units'], 0);
  const dir = resolve(values.out);
  const jurisdiction = buildDemoJurisdiction({ seed, loadUnits });
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(serializeJurisdiction(jurisdiction))) await writeFile(join(dir, file), text);
  const tracked = jurisdiction.units.filter((u) => u.kind !== 'emergency_unit').length;
  process.stderr.write(
    `wrote ${dir}: ${jurisdiction.grids.features.length} grids, ${jurisdiction.roads.features.length} roads, ` +
      `${jurisdiction.units.length} units (${tracked} tracked), ${jurisdiction.volunteers?.length ?? 0} volunteers from seed ${seed}\n`,
  );
}

await main();
