// The console's pure rules: queue order, ↑/↓, the keyboard, time-in-status colours, and one command id per
// action however often the network makes us retry it.
import { describe, expect, it } from 'vitest';
import { incident, T0, unit } from '../../test/fixtures';
import { ApiError } from '../../http';
import { LONG_STATUS_MS, OVERLONG_STATUS_MS, assignedUnits, disputeIntakeRoute, duplicateView, frozenText, queueOrder, statusTone, unitStateLabel, stepSelection, unitsByTeam } from './queue';
import { keyAction } from './keys';
import { newCommandId, sendWithRetry } from './commands';
import { CommandIdSchema, compileChecker } from '@ccr/shared';

describe('queue order', () => {
  it('puts waiting incidents first, by priority, then the longest waiting; then those being handled', () => {
    const list = [
      incident({ id: 'P3-old', priority: 3, reportedAt: T0 - 600_000 }),
      incident({ id: 'P1-new', priority: 1, reportedAt: T0 }),
      incident({ id: 'P1-old', priority: 1, reportedAt: T0 - 60_000 }),
      incident({ id: 'P1-sent', priority: 1, status: 'dispatched', reportedAt: T0 - 900_000 }),
      incident({ id: 'P2-scene', priority: 2, status: 'on_scene', reportedAt: T0 - 1_000_000 }),
      incident({ id: 'P2-road', priority: 2, status: 'en_route', reportedAt: T0 - 100 }),
      incident({ id: 'P1-done', priority: 1, status: 'resolved', reportedAt: T0 - 2_000_000 }),
      incident({ id: 'P2-new', priority: 2, reportedAt: T0 - 5 }),
    ];
    expect(queueOrder(list).map((i) => i.id)).toEqual(['P1-old', 'P1-new', 'P2-new', 'P3-old', 'P1-sent', 'P2-road', 'P2-scene', 'P1-done']);
  });

  it('breaks ties by id so the order never flickers', () => {
    const a = incident({ id: 'B', priority: 1 });
    const b = incident({ id: 'A', priority: 1 });
    expect(queueOrder([a, b]).map((i) => i.id)).toEqual(['A', 'B']);
    expect(queueOrder([b, a]).map((i) => i.id)).toEqual(['A', 'B']);
  });

  it('steps through the queue with ↑/↓ and stops at the ends', () => {
    const q = queueOrder([incident({ id: 'A', priority: 1 }), incident({ id: 'B', priority: 2 }), incident({ id: 'C', priority: 3 })]);
    expect(stepSelection(q, null, 1)).toBe('A');
    expect(stepSelection(q, 'A', 1)).toBe('B');
    expect(stepSelection(q, 'C', 1)).toBe('C');
    expect(stepSelection(q, 'A', -1)).toBe('A');
    expect(stepSelection(q, 'gone', -1)).toBe('A');
    expect(stepSelection([], 'A', 1)).toBeNull();
  });
});

describe('keyboard', () => {
  it('maps the console keys', () => {
    expect(keyAction({ key: 'Enter' })).toEqual({ kind: 'dispatch' });
    expect(keyAction({ key: 'ArrowDown' })).toEqual({ kind: 'next' });
    expect(keyAction({ key: 'ArrowUp' })).toEqual({ kind: 'prev' });
    expect(keyAction({ key: '3' })).toEqual({ kind: 'pick', rank: 3 });
    expect(keyAction({ key: '0' })).toBeNull();
    for (const [k, kind] of [['b', 'backup'], ['B', 'backup'], ['g', 'reassign'], ['x', 'cancel'], ['a', 'alert'], ['r', 'resolve'], ['c', 'close'], ['n', 'note']] as const) {
      expect(keyAction({ key: k })).toEqual({ kind });
    }
  });

  it('leaves typing in a field alone (except Esc), ignores shortcuts with modifiers and a held Enter', () => {
    expect(keyAction({ key: 'r', inField: true })).toBeNull();
    expect(keyAction({ key: 'Enter', inField: true })).toBeNull();
    expect(keyAction({ key: 'Escape', inField: true })).toEqual({ kind: 'escape' });
    expect(keyAction({ key: 'c', ctrlKey: true })).toBeNull();
    expect(keyAction({ key: 'r', metaKey: true })).toBeNull();
    expect(keyAction({ key: 'Enter', repeat: true })).toBeNull();
    expect(keyAction({ key: 'ArrowDown', repeat: true })).toEqual({ kind: 'next' });
  });
});

describe('unit status board', () => {
  it('colours time in status, greys stale units and dims off-duty ones', () => {
    const u = (over: Parameters<typeof unit>[0]) => unit({ statusSince: T0, ...over });
    expect(statusTone(u({ id: 'a', status: 'available' }), T0 + 5 * OVERLONG_STATUS_MS)).toBe('available');
    expect(statusTone(u({ id: 'b', status: 'busy' }), T0 + 60_000)).toBe('ok');
    expect(statusTone(u({ id: 'c', status: 'on_scene' }), T0 + LONG_STATUS_MS)).toBe('long');
    expect(statusTone(u({ id: 'd', status: 'en_route' }), T0 + OVERLONG_STATUS_MS)).toBe('overlong');
    expect(statusTone(u({ id: 'e', status: 'busy', stale: true }), T0)).toBe('stale');
    expect(statusTone(u({ id: 'f', status: 'off_duty' }), T0)).toBe('off');
  });

  it('T (转矛盾纠纷) takes a dispute incident to the desk\'s intake, or to the case it became', () => {
    expect(keyAction({ key: 't' })).toEqual({ kind: 'toDispute' });
    expect(disputeIntakeRoute(incident({ id: 'JQ-1', type: 'dispute' }))).toEqual({ path: '/community', query: { intake: 'JQ-1' } });
    expect(disputeIntakeRoute(incident({ id: 'JQ-1', type: 'dispute', disputeCaseId: 'MD-7' }))).toEqual({ path: '/community', query: { case: 'MD-7' } });
    expect(disputeIntakeRoute(incident({ id: 'JQ-2', type: 'theft' }))).toBeNull();
    expect(disputeIntakeRoute(null)).toBeNull();
  });

  it('reads 失联 over the status, and says for how long a unit on its way has had a frozen fix', () => {
    expect(unitStateLabel({ status: 'en_route', stale: true })).toBe('label.unitStatus.stale');
    expect(unitStateLabel({ status: 'en_route', stale: false })).toBe('label.unitStatus.en_route');
    const frozen = unit({ id: 'P-9', status: 'en_route', frozenSince: T0 });
    expect(frozenText(frozen, T0 + 245_000, 'zh-CN')).toBe('定位冻结 4:05');
    expect(frozenText(frozen, T0 + 245_000, 'en')).toBe('fix frozen 4:05');
    // the server's clock a little behind ours never shows a negative time
    expect(frozenText(frozen, T0 - 2_000, 'en')).toBe('fix frozen 0:00');
    expect(frozenText(unit({ id: 'P-8', status: 'en_route' }), T0, 'zh-CN')).toBe('');
  });

  it('groups police units by team and counts the available ones, leaving out emergency units', () => {
    const groups = unitsByTeam([
      unit({ id: 'P-2', name: '巡2', team: 'patrol' }),
      unit({ id: 'P-1', name: '巡1', team: 'patrol', stale: true }),
      unit({ id: 'C-1', name: '社1', kind: 'community_officer', team: 'community', status: 'busy' }),
      unit({ id: 'E-1', name: '应急', kind: 'emergency_unit', team: null }),
      unit({ id: 'Z-1', name: '作战单元', kind: 'combat_unit', team: 'community' }),
    ]);
    expect(groups.map((g) => [g.team, g.units.map((u) => u.id), g.available, g.combat.total])).toEqual([
      ['community', ['C-1'], 0, 1], ['case', [], 0, 0], ['patrol', ['P-1', 'P-2'], 1, 0],
    ]);
  });

  it("finds an incident's units from its list and from the units' own assignment", () => {
    const units = new Map([
      ['P-1', unit({ id: 'P-1', status: 'en_route', incidentId: 'JQ-1' })],
      ['P-2', unit({ id: 'P-2', status: 'dispatched', incidentId: 'JQ-1' })],
      ['P-3', unit({ id: 'P-3' })],
    ]);
    expect(assignedUnits(incident({ id: 'JQ-1', assignedUnitIds: ['P-1'] }), units).map((u) => u.id)).toEqual(['P-1', 'P-2']);
  });
});

describe('command ids', () => {
  it('are valid command ids and different every time', () => {
    const checker = compileChecker(CommandIdSchema);
    const ids = new Set(Array.from({ length: 200 }, () => newCommandId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(checker.check(id), id).toBe(true);
  });

  it('are reused on every retry after a network failure, and a server answer ends the retries', async () => {
    const seen: string[] = [];
    const network = new ApiError(0, 'network', '无法连接服务器', null, true);
    const res = await sendWithRetry(async (id) => {
      seen.push(id);
      if (seen.length < 3) throw network;
      return { ok: id };
    }, undefined, { sleep: async () => {} });
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
    expect(res).toEqual({ ok: seen[0] });

    let calls = 0;
    const conflict = new ApiError(409, 'unit_unavailable', 'P-03 已被 JQ-1 调派（dispatcher）', null, false);
    await expect(sendWithRetry(async () => { calls++; throw conflict; }, 'cmd-fixed-1', { sleep: async () => {} })).rejects.toBe(conflict);
    expect(calls).toBe(1);
  });

  it('gives up after the last retry with the network error', async () => {
    const network = new ApiError(0, 'network', '无法连接服务器', null, true);
    let calls = 0;
    await expect(sendWithRetry(async () => { calls++; throw network; }, 'cmd-fixed-2', { delaysMs: [1, 1], sleep: async () => {} })).rejects.toBe(network);
    expect(calls).toBe(3);
  });
});

describe('suspected duplicates on the console', () => {
  it('M merges and D dismisses, like the other command letters (not while typing, not with a modifier)', () => {
    expect(keyAction({ key: 'm' })).toEqual({ kind: 'merge' });
    expect(keyAction({ key: 'M' })).toEqual({ kind: 'merge' });
    expect(keyAction({ key: 'd' })).toEqual({ kind: 'notDuplicate' });
    expect(keyAction({ key: 'm', inField: true })).toBeNull();
    expect(keyAction({ key: 'd', ctrlKey: true })).toBeNull();
  });

  it('names the original, the distance and the time; merge only while the original is open and unresolved', () => {
    const flag = { of: 'JQ-A', distanceMeters: 35, seconds: 8, flaggedAt: T0 };
    const a = incident({ id: 'JQ-A' });
    const b = incident({ id: 'JQ-B', suspectedDuplicate: flag });
    expect(duplicateView(a, new Map([[a.id, a]]))).toBeNull();
    expect(duplicateView(b, new Map([[a.id, a], [b.id, b]]))).toEqual({ of: 'JQ-A', original: a, distanceMeters: 35, seconds: 8, mergeable: true });
    expect(duplicateView(b, new Map([[b.id, b]]))!.mergeable).toBe(false); // left the board
    const resolved = { ...a, status: 'resolved' as const };
    expect(duplicateView(b, new Map([[a.id, resolved]]))!.mergeable).toBe(false);
    expect(duplicateView({ ...b, duplicateDismissed: { of: 'JQ-A', by: 'duty', at: T0 } }, new Map([[a.id, a]]))).toBeNull();
  });
});
