import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvRow, slopePerHour, slopeTable, summarise, type Sample } from './analysis.js';

const MB = 1_048_576;

/** A sample a minute; every series flat at 1 unless `values` says otherwise for that minute. */
function samplesOver(minutes: number, values: (minute: number) => Partial<Sample> = () => ({})): Sample[] {
  return Array.from({ length: minutes + 1 }, (_, minute) => ({
    at: Date.UTC(2026, 11, 4, 20, minute), minute,
    wallHeap: 10 * MB, wallNodes: 450, wallListeners: 80, consoleHeap: 10 * MB, consoleNodes: 1000,
    serverHeap: 60 * MB, serverRss: 200 * MB, simRss: 130 * MB, redisUsed: 3 * MB,
    ...values(minute),
  }));
}

describe('slopePerHour', () => {
  it('recovers the slope of a straight line, in units per hour', () => {
    const fit = slopePerHour([0, 0.5, 1, 1.5, 2].map((hours) => ({ hours, value: 7 + 3 * hours })));
    expect(fit.perHour).toBeCloseTo(3, 10);
    expect(fit).toMatchObject({ n: 5, first: 7, last: 13, min: 7, max: 13 });
  });

  it('fits through noise: symmetric noise around a flat line gives no slope', () => {
    const fit = slopePerHour([0, 1, 2, 3, 4, 5].map((i) => ({ hours: i / 60, value: 100 + (i % 2 === 0 ? 1 : -1) * (i === 0 || i === 5 ? 0 : 1) })));
    expect(Math.abs(fit.perHour)).toBeLessThan(30);
    const flat = slopePerHour([0, 1, 2, 3].map((i) => ({ hours: i, value: 5 })));
    expect(flat.perHour).toBe(0);
  });

  it('leaves out readings that could not be taken, and says NaN below two points', () => {
    const fit = slopePerHour([{ hours: 0, value: 0 }, { hours: 1, value: NaN }, { hours: 2, value: 4 }]);
    expect(fit.perHour).toBe(2);
    expect(fit.n).toBe(2);
    expect(slopePerHour([{ hours: 1, value: 3 }]).perHour).toBeNaN();
    expect(slopePerHour([{ hours: 1, value: 3 }, { hours: 1, value: 4 }]).perHour).toBeNaN();
  });
});

describe('summarise', () => {
  it('passes a flat wall and leaves the warm-up out of the slope', () => {
    // 20 MB of start-up growth in the first 10 minutes, flat afterwards
    const s = summarise(samplesOver(60, (m) => ({ wallHeap: (10 + Math.min(m, 10) * 2) * MB })), []);
    expect(s.pass).toBe(true);
    expect(s.samplesAfterWarmup).toBe(51);
    expect(s.fits.wallHeap.perHour).toBeCloseTo(0, 6);
    expect(s.failures).toEqual([]);
  });

  it('fails a wall heap that grows more than 1 MB an hour, and says by how much', () => {
    const s = summarise(samplesOver(120, (m) => ({ wallHeap: 10 * MB + (m / 60) * 1.5 * MB })), []);
    expect(s.fits.wallHeap.perHour / MB).toBeCloseTo(1.5, 6);
    expect(s.pass).toBe(false);
    expect(s.failures).toEqual(['wall heap grows 1.50 MB/h after the warm-up (limit 1.00 MB/h)']);
  });

  it('passes 0.9 MB/h (the limit is inclusive of what it allows)', () => {
    const s = summarise(samplesOver(120, (m) => ({ wallHeap: 10 * MB + (m / 60) * 0.9 * MB })), []);
    expect(s.pass).toBe(true);
  });

  it('reports every series slope, whatever the verdict', () => {
    const s = summarise(samplesOver(60, (m) => ({ redisUsed: 3 * MB + m * 0.1 * MB, serverRss: 200 * MB - m * MB })), []);
    expect(s.fits.redisUsed.perHour / MB).toBeCloseTo(6, 6);
    expect(s.fits.serverRss.perHour / MB).toBeCloseTo(-60, 6);
    expect(s.pass).toBe(true);
    const table = slopeTable(s);
    expect(table).toMatch(/redisUsed\s+6\.00 MB\/h/);
    expect(table).toMatch(/serverRss\s+-60\.00 MB\/h/);
  });

  it('fails on a problem the run saw even when the heap is flat', () => {
    const s = summarise(samplesOver(30), ['server (pid 1) exited during the run (code 1, signal null)']);
    expect(s.pass).toBe(false);
    expect(s.failures).toEqual(['server (pid 1) exited during the run (code 1, signal null)']);
  });

  it('fails a run too short to have a slope after its warm-up', () => {
    const s = summarise(samplesOver(11), [], { warmupMinutes: 10, wallHeapBytesPerHour: MB, minPoints: 3 });
    expect(s.pass).toBe(false);
    expect(s.failures[0]).toMatch(/only 2 wall heap readings after the 10-minute warm-up/);
  });

  it('fails when the wall heap could not be read after the warm-up', () => {
    const s = summarise(samplesOver(30, (m) => (m >= 10 ? { wallHeap: NaN } : {})), []);
    expect(s.pass).toBe(false);
  });
});

describe('csvRow', () => {
  it('writes one column per header, ISO time, empty for a missing reading', () => {
    const [sample] = samplesOver(0, () => ({ simRss: NaN }));
    const cells = csvRow(sample!).split(',');
    expect(cells).toHaveLength(CSV_COLUMNS.length);
    expect(cells[0]).toBe('2026-12-04T20:00:00.000Z');
    expect(cells[CSV_COLUMNS.indexOf('simRss')]).toBe('');
    expect(cells[CSV_COLUMNS.indexOf('wallHeap')]).toBe(String(10 * MB));
  });
});
