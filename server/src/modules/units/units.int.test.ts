// GET /api/units a page at a time over the roster: every unit exactly once across the pages, in id order, with the
// filters applied, and the next page named in a Link header.
import { describe, expect, it } from 'vitest';
import type { LiveUnit } from '@ccr/shared';
import { useTestbed, writeFixtureJurisdiction, type TestServer } from '../../testing/index.js';

const bed = useTestbed('un');

async function allPages(s: TestServer, first: string): Promise<{ units: LiveUnit[]; pages: number }> {
  const units: LiveUnit[] = [];
  let url: string | null = first;
  let pages = 0;
  while (url) {
    const res = await bed.fetch(s, url, {}, 'operator');
    expect(res.status).toBe(200);
    units.push(...((await res.json()) as LiveUnit[]));
    pages += 1;
    url = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
    expect(pages).toBeLessThan(100);
  }
  return { units, pages };
}

describe('GET /api/units', () => {
  it('pages over the roster: each unit once, in id order, filters kept across pages', async () => {
    const s = await bed.server({ jurisdictionDir: await writeFixtureJurisdiction({ loadUnits: 250 }) });
    const whole = await allPages(s, '/api/units');
    expect(whole.pages).toBe(1); // 250 load units + a few: within the default page
    const ids = whole.units.map((u) => u.id);
    expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)));

    const paged = await allPages(s, '/api/units?limit=40');
    expect(paged.pages).toBe(Math.ceil(ids.length / 40));
    expect(paged.units.map((u) => u.id)).toEqual(ids);

    // A kind filter pages over that kind only; a status filter may leave a page short but never skips a unit.
    const patrols = await allPages(s, '/api/units?kind=patrol_car&limit=100');
    expect(patrols.units.every((u) => u.kind === 'patrol_car')).toBe(true);
    expect(patrols.units).toHaveLength(ids.filter((id) => whole.units.find((u) => u.id === id)!.kind === 'patrol_car').length);
    const r = await bed.fetch(s, '/api/units/L-00007/status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commandId: 'units-page-1', status: 'off_duty' }) }, 'dispatcher');
    expect(r.status).toBe(200);
    const off = await allPages(s, '/api/units?status=off_duty&limit=50');
    expect(off.units.map((u) => u.id)).toEqual(['L-00007']);
    expect(off.pages).toBe(Math.ceil(ids.length / 50));

    // Bad paging input is refused with a reason.
    for (const q of ['limit=0', 'limit=2001', 'after=%20bad%20id']) {
      const res = await bed.fetch(s, `/api/units?${q}`, {}, 'operator');
      expect(res.status, q).toBe(400);
    }
  }, 60_000);
});
