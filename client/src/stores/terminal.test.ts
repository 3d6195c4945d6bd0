import { describe, expect, it } from 'vitest';
import type { DeviceOrder } from '@ccr/shared';
import { KEEP_ORDERS, currentJob, newItemId, nextCallOutAnswers, nextReports, parseSaved, receiveOrder, receiveRollCall } from './terminal';

const order = (orderId: string, kind: DeviceOrder['kind'], incidentId: string, issuedAt: number): DeviceOrder => ({
  orderId, unitId: 'P-01', kind, issuedAt, issuedBy: 'dispatcher',
  incident: { id: incidentId, type: 'theft', priority: 1, lng: 116.6, lat: 39.5, address: '路1号', summary: '' },
});

describe('terminal rules', () => {
  it('keeps each order once, newest first, a bounded list', () => {
    let list: DeviceOrder[] = [];
    list = receiveOrder(list, order('o1', 'dispatch', 'JQ-1', 1));
    list = receiveOrder(list, order('o1', 'dispatch', 'JQ-1', 1)); // redelivered
    list = receiveOrder(list, order('o2', 'backup', 'JQ-2', 2));
    expect(list.map((o) => o.orderId)).toEqual(['o2', 'o1']);
    for (let i = 0; i < 30; i++) list = receiveOrder(list, order(`x${i}`, 'dispatch', `JQ-x${i}`, 10 + i));
    expect(list).toHaveLength(KEEP_ORDERS);
    expect(list[0]!.orderId).toBe('x29');
  });

  it('the job is the newest order not cancelled, recalled or resolved', () => {
    const a = order('o1', 'dispatch', 'JQ-1', 1);
    const b = order('o2', 'reassign', 'JQ-2', 2);
    expect(currentJob([b, a], {})).toBe(b);
    expect(currentJob([order('o3', 'cancel', 'JQ-2', 3), b, a], {})).toBe(a);
    expect(currentJob([order('o3', 'recall', 'JQ-2', 3), b, a], { 'JQ-1': 'resolved' })).toBeNull();
    expect(currentJob([order('o4', 'alert', 'JQ-9', 4)], {})?.kind).toBe('alert');
  });

  it('a call-out is answered coming or can\'t, then arrived, then done; can\'t and done end the job', () => {
    expect(nextCallOutAnswers('new')).toEqual(['coming', 'cannot']);
    expect(nextCallOutAnswers('coming')).toEqual(['arrived']);
    expect(nextCallOutAnswers('arrived')).toEqual(['done']);
    expect(nextCallOutAnswers('done')).toEqual([]);
    const alert = order('o5', 'alert', 'JQ-5', 5);
    expect(currentJob([alert], { 'JQ-5': 'arrived' })).toBe(alert);
    expect(currentJob([alert], { 'JQ-5': 'cannot' })).toBeNull();
    expect(currentJob([alert], { 'JQ-5': 'done' })).toBeNull();
  });

  it('offers the reports a stage allows', () => {
    expect(nextReports('new')).toEqual(['en_route', 'on_scene']);
    expect(nextReports('en_route')).toEqual(['on_scene']);
    expect(nextReports('on_scene')).toEqual(['resolved']);
    expect(nextReports('resolved')).toEqual([]);
  });

  it('reads stored state checked, and starts empty from anything else', () => {
    expect(parseSaved(null)).toEqual({ session: null, orders: [], acked: [], stages: {}, outbox: [] });
    expect(parseSaved('{not json')).toEqual({ session: null, orders: [], acked: [], stages: {}, outbox: [] });
    const saved = parseSaved(JSON.stringify({
      session: { token: 't', expiresAt: 5, unitId: 'P-01' }, orders: [order('o1', 'dispatch', 'JQ-1', 1), { bogus: true }],
      acked: ['o1', 3], outbox: [{ id: 'm-1', type: 'ack', orderId: 'o1', queuedAt: 1 }, { id: 'm-2', type: 'drop' }],
    }));
    expect(saved.session).toEqual({ token: 't', expiresAt: 5, unitId: 'P-01', displayName: 'P-01' });
    expect(saved.orders.map((o) => o.orderId)).toEqual(['o1']);
    expect(saved.acked).toEqual(['o1']);
    expect(saved.outbox.map((o) => o.id)).toEqual(['m-1']);
  });

  it('keeps each roll-call notice once and drops those long past', () => {
    const n = (id: string, dueAt: number) => ({ rollCallId: id, startedAt: dueAt - 300_000, dueAt });
    let list = receiveRollCall([], n('RC-a', 10_000_000), 9_000_000);
    list = receiveRollCall(list, n('RC-a', 10_000_000), 9_000_000);
    list = receiveRollCall(list, n('RC-b', 20_000_000), 19_000_000);
    expect(list.map((r) => r.rollCallId)).toEqual(['RC-b']); // RC-a was due over an hour before
  });

  it('keeps the 协查 notices and the queued answers to them across a restart, checked', () => {
    const n = { noticeId: 'S1-active', recipient: 'u:E-0002', searchId: 'S1', kind: 'missing_person', description: '七旬老人', lng: 116.6, lat: 39.1, radiusM: 2000, status: 'active', issuedAt: 1, acknowledged: true, reported: 1 };
    const sighting = { kind: 'sighting', id: 'c0123456789abcdef', searchId: 'S1', lng: 116.6, lat: 39.1, text: '看到了' };
    const saved = parseSaved(JSON.stringify({
      searches: [n, { ...n, searchId: 'S2', status: 'lost' }],
      outbox: [
        { id: 'ack:S1:active', type: 'search', search: { kind: 'ack', id: 'ack:S1:active', searchId: 'S1' }, queuedAt: 1 },
        { id: sighting.id, type: 'search', search: sighting, queuedAt: 2 },
        { id: 'm-x', type: 'search', search: { ...sighting, id: 'm-x', lng: 'east' }, queuedAt: 3 },
        { id: 'm-y', type: 'search', search: sighting, queuedAt: 4 }, // the item's id is not its search's
      ],
    }));
    expect(saved.searches).toEqual([n]);
    expect(saved.outbox.map((o) => o.id)).toEqual(['ack:S1:active', sighting.id]);
  });

  it('item ids are valid command ids', () => {
    expect(newItemId()).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });
});
