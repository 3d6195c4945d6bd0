import { describe, expect, it } from 'vitest';
import { SharedRead } from './shared-read.js';

/** A read whose calls the test finishes one by one; each resolves to its own number. */
function controlled() {
  const started: ((v?: unknown) => void)[] = [];
  let n = 0;
  const read = new SharedRead(() => { const k = ++n; return new Promise<number>((resolve) => { started.push(() => resolve(k)); }); });
  return { read, started, tick: () => new Promise((r) => setTimeout(r, 0)) };
}

describe('a shared read', () => {
  it('serves every caller that asked before it started with one read', async () => {
    const { read, started, tick } = controlled();
    const all = [read.get(), read.get(), read.get()];
    await tick();
    expect(started).toHaveLength(1);
    started[0]!();
    expect(await Promise.all(all)).toEqual([1, 1, 1]);
  });

  it('never hands a caller a read that started before it asked: it waits for the next, shared by all who waited', async () => {
    const { read, started, tick } = controlled();
    const first = read.get();
    await tick();
    const late = [read.get(), read.get()];
    await tick();
    expect(started).toHaveLength(1); // the second read waits for the first to end
    started[0]!();
    expect(await first).toBe(1);
    await tick();
    expect(started).toHaveLength(2);
    started[1]!();
    expect(await Promise.all(late)).toEqual([2, 2]);
  });

  it('a failed read fails its callers only; the next caller reads again', async () => {
    let fail = true;
    const read = new SharedRead(async () => { if (fail) throw new Error('redis away'); return 'ok'; });
    await expect(Promise.all([read.get(), read.get()])).rejects.toThrow('redis away');
    fail = false;
    expect(await read.get()).toBe('ok');
  });
});
