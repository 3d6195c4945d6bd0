// A station replaces the demo with its own files: every mistake must be named, with file and place.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GridCollection, Roster } from '@ccr/shared';
import { writeFixtureJurisdiction } from '../../testing/index.js';
import { DEMO_JURISDICTION_DIR, JurisdictionError, loadJurisdiction } from './jurisdiction-loader.js';

async function problemsOf(dir: string): Promise<string[]> {
  try {
    await loadJurisdiction(dir);
  } catch (err) {
    if (err instanceof JurisdictionError) return err.problems;
    throw err;
  }
  return [];
}

async function edit<T>(dir: string, file: string, change: (json: T) => void): Promise<void> {
  const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as T;
  change(json);
  await writeFile(join(dir, file), JSON.stringify(json));
}

describe('loadJurisdiction', () => {
  it('loads the committed demo town', async () => {
    const j = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    expect(j.grids.features).toHaveLength(39);
    expect(j.station.name).toBe('胜芳派出所');
  });

  it('names a missing file and a file that is not JSON, together', async () => {
    const dir = await writeFixtureJurisdiction();
    await rm(join(dir, 'roads.geojson'));
    await writeFile(join(dir, 'station.json'), '{ "name": "测试", ');
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^station\.json: not valid JSON/);
    expect(problems[1]).toMatch(/^roads\.geojson: cannot read \(ENOENT\)/);
  });

  it('names schema mistakes with their path', async () => {
    const dir = await writeFixtureJurisdiction();
    // Deliberately wrong values, so the types are loosened where they are broken.
    await edit<Roster>(dir, 'roster.json', (r) => { (r.units[0] as { kind: string }).kind = 'helicopter'; });
    await edit<GridCollection>(dir, 'grids.geojson', (g) => { delete (g.features[1]!.properties as { id?: string }).id; });
    const problems = await problemsOf(dir);
    expect(problems.some((p) => p.startsWith('roster.json: /units/0/kind'))).toBe(true);
    expect(problems.some((p) => p.startsWith('grids.geojson: /features/1/properties'))).toBe(true);
  });

  it('finds files that disagree with one another', async () => {
    const dir = await writeFixtureJurisdiction();
    await edit<Roster>(dir, 'roster.json', (r) => {
      r.units[0]!.gridId = 'G99';
      r.units.push({ ...r.units[1]! });
    });
    await edit<GridCollection>(dir, 'grids.geojson', (g) => { g.features[2]!.properties.officerId = 'P-01'; });
    const problems = await problemsOf(dir);
    expect(problems).toEqual(expect.arrayContaining([
      'roster.json: unit "C-1" names unknown grid "G99"',
      'roster.json: duplicate unit id "C-2"',
      'grids.geojson: grid "G3" officer "P-01" is a patrol_car, not a community_officer',
    ]));
    await expect(loadJurisdiction(dir)).rejects.toThrow(/辖区数据无效 \/ invalid jurisdiction/);
  });
});
