// One ticker line in words: what happened, to what, by whom — "派警 巡逻车03 → 盗窃 中山街12号", "到场 …",
// "超时 未及时到场 …" — never a bare "警情更新". Pure, so the wording is tested without a page.
import {
  type Incident, type Locale,
} from '@ccr/shared';
import type { TickerEvent } from '../../stores/live';
import { tl, type MessageKey } from '../../i18n';
import { unitList, type NameBook } from '../../lib/actors';

export interface TickerLine { key: string; at: number; tag: string; tone: string; text: string }

const STATUS_TAG: Partial<Record<Incident['status'], MessageKey>> = {
  received: 'event.received', en_route: 'event.enRoute', on_scene: 'event.onScene', resolved: 'event.resolved',
  closed: 'event.closed', cancelled: 'event.cancelled', merged: 'event.merged', dispatched: 'event.dispatched',
};

function what(i: Incident, locale: Locale): string {
  return `${tl(`label.incidentType.${i.type}`, locale)} ${i.address}`;
}

export function tickerLine(e: TickerEvent, locale: Locale, names: NameBook): TickerLine {
  const base = { key: e.key, at: e.at };
  if (e.unit) {
    const u = e.unit;
    const one = `${tl(`label.unitKind.${u.kind}`, locale)} ${u.callSign ?? u.name}`;
    const who = e.others ? `${one} ${tl('event.andOthers', locale, { n: e.others })}` : one;
    return { ...base, tag: tl(e.kind === 'stale' ? 'event.stale' : 'event.recovered', locale), tone: e.kind, text: who };
  }
  const i = e.incident!;
  const priority = tl(`priority.${i.priority}`, locale);
  if (e.kind === 'reported') return { ...base, tag: tl('event.reported', locale), tone: `p${i.priority}`, text: `${priority} ${what(i, locale)}` };
  if (e.kind === 'breached') {
    const target = e.target === 'dispatch' ? 'event.breachedTarget.dispatch' : 'event.breachedTarget.on_scene';
    const more = e.others ? ` ${tl('event.andMoreIncidents', locale, { n: e.others })}` : '';
    return { ...base, tag: tl('event.breached', locale), tone: 'late', text: `${priority} ${what(i, locale)}${more} ${tl(target, locale)}` };
  }
  if (e.sent?.length) {
    const backup = e.sent.length < i.assignedUnitIds.length;
    return {
      ...base, tag: tl(backup ? 'event.backup' : 'event.dispatched', locale), tone: 'sent',
      text: `${unitList(e.sent, locale, names)} → ${what(i, locale)}`,
    };
  }
  const units = i.assignedUnitIds.length && ['en_route', 'on_scene', 'resolved'].includes(i.status) ? `${unitList(i.assignedUnitIds, locale, names)} · ` : '';
  const into = i.status === 'merged' && i.mergedInto ? ` → ${i.mergedInto}` : '';
  const tagKey = STATUS_TAG[i.status];
  return {
    ...base,
    tag: tagKey ? tl(tagKey, locale) : tl('event.reprioritised', locale, { p: priority }),
    tone: i.status === 'on_scene' ? 'arrived' : '',
    text: `${units}${what(i, locale)}${into}`,
  };
}
