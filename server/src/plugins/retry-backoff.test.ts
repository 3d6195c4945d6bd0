import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import { RetryBackoff } from './retry-backoff.js';

function capture() {
  const lines: { msg: string; failures?: number }[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(String(chunk))); cb(); } }));
  return { log, lines };
}

describe('RetryBackoff', () => {
  it('waits longer after each failure up to the cap, and logs the start, every 100th, and the recovery', () => {
    const { log, lines } = capture();
    const b = new RetryBackoff('relay', log, 250, 5_000);
    const waits = Array.from({ length: 120 }, () => b.note(new Error('ECONNREFUSED')));
    expect(waits.slice(0, 6)).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000]);
    expect(Math.max(...waits)).toBe(5_000);
    b.succeeded();
    b.succeeded();
    expect(lines.map((l) => [l.msg, l.failures])).toEqual([
      ['relay: failing, retrying', 1],
      ['relay: failing, retrying', 100],
      ['relay: recovered', 120],
    ]);
  });
});
