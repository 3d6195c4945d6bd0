// Reads a jurisdiction folder (station.json, grids.geojson, roads.geojson, roster.json, volunteers.json) and refuses
// it with every problem named, file and path, rather than starting with a half-valid map. The checking is shared
// (parseJurisdictionFiles, which the simulator uses too); the reading is here.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JURISDICTION_FILES, parseJurisdictionFiles, type Jurisdiction, type JurisdictionFileText } from '@ccr/shared';

/** The committed demo town: deployment data at the top of the repository (jurisdiction/demo), not the server's own. */
export const DEMO_JURISDICTION_DIR = fileURLToPath(new URL('../../../../jurisdiction/demo', import.meta.url));

export class JurisdictionError extends Error {
  constructor(readonly dir: string, readonly problems: string[]) {
    super(`辖区数据无效 / invalid jurisdiction in ${dir}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'JurisdictionError';
  }
}

async function readText(path: string): Promise<JurisdictionFileText> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    return { readError: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

export async function loadJurisdiction(dir: string = DEMO_JURISDICTION_DIR): Promise<Jurisdiction> {
  const texts = await Promise.all(
    JURISDICTION_FILES.map((file) => (file === 'volunteers.json' && !existsSync(join(dir, file)) ? undefined : readText(join(dir, file)))),
  );
  const parsed = parseJurisdictionFiles(Object.fromEntries(JURISDICTION_FILES.map((file, k) => [file, texts[k]])) as Record<(typeof JURISDICTION_FILES)[number], JurisdictionFileText>);
  if (!parsed.ok) throw new JurisdictionError(dir, parsed.problems);
  return parsed.jurisdiction;
}
