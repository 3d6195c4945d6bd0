// The demo's first start: seeded history reaches the present hour (it stopped at midnight, so 今日 read 0–1 all
// morning and the daily trend ended in a cliff), and no seeded incident is left half done on the board.
import { describe, expect, it } from 'vitest';
import { addDays, dayStart, localDayOf, type StatsSeriesResponse } from '@ccr/shared';
import { useTestbed } from '../../testing/index.js';
import { loadJurisdiction } from '../jurisdiction/index.js';
import { seedHistory } from './stats-history.js';

const bed = useTestbed('seed-today');
const TZ = 'Asia/Shanghai';

describe('seeded history with today', () => {
  it('fills the day up to the start of the seeding\'s hour, every incident finished, and nothing after', async () => {
    const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    const j = await loadJurisdiction(bed.jurisdictionDir);
    // "Now" is 10:20 yesterday (a fixed hour, whatever the real time of day; yesterday, so nothing is in the future).
    const day = addDays(localDayOf(Date.now(), TZ), -1);
    const now = dayStart(day, TZ) + 10 * 3_600_000 + 20 * 60_000;
    const r = await seedHistory(s.app.live.repo, s.app.stats.repo, {
      jurisdiction: j, timeZone: TZ, months: 1, startDay: addDays(day, -2), incidentsPerDay: 60, presence: false, includeToday: true,
    }, now);
    expect(r.days).toBe(2);

    const q = new URLSearchParams({ metric: 'incidents', interval: 'hour', groupBy: 'none', from: day, to: addDays(day, 1) });
    const res = await bed.fetch(s, `/api/stats/series?${q}`, {}, 'leader');
    expect(res.status).toBe(200);
    const hours = ((await res.json()) as StatsSeriesResponse).series[0]!.values;
    expect(hours).toHaveLength(24);
    const morning = hours.slice(0, 10).reduce((a, b) => a + b, 0);
    expect(morning, 'incidents 00:00–10:00 of the seeding day').toBeGreaterThan(5);
    expect(hours.slice(10).every((n) => n === 0), 'nothing from the current hour on').toBe(true);

    // Everything seeded is finished: the board holds no history.
    const open = await s.app.live.repo.listIncidents({ openOnly: true, limit: 1_000, offset: 0 });
    expect(open.incidents.filter((i) => i.id.startsWith('HIS-'))).toEqual([]);
    // …and the seeding day's incidents took their whole lifecycle, the last step before "now".
    const all = await s.app.live.repo.listIncidents({ openOnly: false, limit: 5_000, offset: 0 });
    const seededToday = all.incidents.filter((i) => i.id.startsWith(`HIS-${day.replaceAll('-', '')}`));
    expect(seededToday.length).toBe(morning);
    for (const i of seededToday) {
      expect(['closed', 'cancelled']).toContain(i.status);
      expect(i.timeline.at(-1)!.at).toBeLessThanOrEqual(now);
    }
  }, 120_000);
});
