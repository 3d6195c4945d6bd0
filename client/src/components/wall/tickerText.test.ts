import { describe, expect, it } from 'vitest';
import type { Incident, LiveUnit } from '@ccr/shared';
import type { TickerEvent } from '../../stores/live';
import { tickerLine } from './tickerText';

const names = { unit: (id: string) => ({ 'P-03': '巡逻车03', 'P-05': '巡逻车05' } as Record<string, string>)[id] };
const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 'JQ-1', type: 'theft', priority: 1, lng: 116.7, lat: 39.07, address: '中山街12号', reportedAt: 1, source: '110', summary: '',
  reporter: '', status: 'received', gridId: null, receivedAt: 1, updatedAt: 1, revision: 1, assignedUnitIds: [], timeline: [], ...over,
});
const ev = (over: Partial<TickerEvent>): TickerEvent => ({ key: 'k', kind: 'updated', at: 0, ...over });

describe('ticker lines', () => {
  it('says who was sent where', () => {
    const l = tickerLine(ev({ incident: incident({ status: 'dispatched', assignedUnitIds: ['P-03'] }), sent: ['P-03'] }), 'zh-CN', names);
    expect(`${l.tag} ${l.text}`).toBe('派警 巡逻车03 → 盗窃 中山街12号');
    const b = tickerLine(ev({ incident: incident({ status: 'on_scene', assignedUnitIds: ['P-03', 'P-05'] }), sent: ['P-05'] }), 'zh-CN', names);
    expect(`${b.tag} ${b.text}`).toBe('增援 巡逻车05 → 盗窃 中山街12号');
  });

  it('says arrivals, breaches and new reports in full', () => {
    const on = tickerLine(ev({ incident: incident({ status: 'on_scene', assignedUnitIds: ['P-03'] }) }), 'zh-CN', names);
    expect(`${on.tag} ${on.text}`).toBe('到场 巡逻车03 · 盗窃 中山街12号');
    const late = tickerLine(ev({ kind: 'breached', target: 'on_scene', incident: incident({ status: 'dispatched' }) }), 'zh-CN', names);
    expect(`${late.tag} ${late.text}`).toBe('超时 一级 盗窃 中山街12号 未及时到场');
    const burst = tickerLine(ev({ kind: 'breached', target: 'dispatch', others: 12, incident: incident() }), 'zh-CN', names);
    expect(burst.text).toBe('一级 盗窃 中山街12号 等 12 起 未及时派警');
    const en = tickerLine(ev({ kind: 'reported', incident: incident({ priority: 2 }) }), 'en', names);
    expect(en.tag).toBe('New');
    expect(en.text).toContain('P2');
    expect(en.text).toContain('中山街12号');
  });

  it('never says a bare update', () => {
    for (const status of ['received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed', 'cancelled', 'merged'] as const) {
      const l = tickerLine(ev({ incident: incident({ status }) }), 'zh-CN', names);
      expect(l.tag).not.toBe('警情更新');
      expect(l.text).toContain('中山街12号');
    }
  });

  it('names units that went silent', () => {
    const u = { id: 'P-03', kind: 'patrol_car', name: '巡逻车03', callSign: '胜巡03' } as LiveUnit;
    expect(tickerLine(ev({ kind: 'stale', unit: u, others: 2 }), 'zh-CN', names).text).toBe('巡逻车 胜巡03 等另外 2 个单位');
  });
});
