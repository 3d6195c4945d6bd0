// Reads a jurisdiction folder (station.json, grids.geojson, roads.geojson, roster.json) and refuses it with
// every problem named, file and path, rather than starting with a half-valid map.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema, Static } from '@sinclair/typebox';
import {
  GridCollectionSchema, RoadCollectionSchema, RosterSchema, StationSchema, VolunteerRosterSchema, checkJurisdiction, compileChecker,
  type Jurisdiction,
} from '@ccr/shared';

export const DEMO_JURISDICTION_DIR = fileURLToPath(new URL('../../../jurisdiction/demo', import.meta.url));

export class JurisdictionError extends Error {
  constructor(readonly dir: string, readonly problems: string[]) {
    super(`辖区数据无效 / invalid jurisdiction in ${dir}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'JurisdictionError';
  }
}

async function readPart<S extends TSchema>(dir: string, file: string, schema: S, problems: string[]): Promise<Static<S> | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    problems.push(`${file}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
  const checked = compileChecker(schema).validate(value, 10);
  if (!checked.ok) {
    problems.push(...checked.errors.map((e) => `${file}: ${e}`));
    return undefined;
  }
  return checked.value;
}

export async function loadJurisdiction(dir: string = DEMO_JURISDICTION_DIR): Promise<Jurisdiction> {
  // One list per file, joined in file order, so the report reads the same whichever file was read first.
  const found: string[][] = [[], [], [], []];
  const [station, grids, roads, roster] = await Promise.all([
    readPart(dir, 'station.json', StationSchema, found[0]!),
    readPart(dir, 'grids.geojson', GridCollectionSchema, found[1]!),
    readPart(dir, 'roads.geojson', RoadCollectionSchema, found[2]!),
    readPart(dir, 'roster.json', RosterSchema, found[3]!),
  ]);
  if (!station || !grids || !roads || !roster) throw new JurisdictionError(dir, found.flat());
  // Optional: a station without volunteer accounts has no volunteers.json.
  const volunteerProblems: string[] = [];
  const volunteers = existsSync(join(dir, 'volunteers.json')) ? await readPart(dir, 'volunteers.json', VolunteerRosterSchema, volunteerProblems) : { volunteers: [] };
  if (!volunteers) throw new JurisdictionError(dir, volunteerProblems);
  const jurisdiction: Jurisdiction = { station, grids, roads, units: roster.units, volunteers: volunteers.volunteers };
  const crossProblems = checkJurisdiction(jurisdiction);
  if (crossProblems.length > 0) throw new JurisdictionError(dir, crossProblems);
  return jurisdiction;
}
