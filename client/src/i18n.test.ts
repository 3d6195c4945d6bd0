import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DISPUTE_CATEGORY_LABELS, DISPUTE_SOURCE_LABELS, DISPUTE_STATUS_LABELS, MEDIATION_TIER_LABELS, RISK_LEVEL_LABELS, SATISFACTION_LABELS,
  SESSION_RESULT_LABELS, TASK_STATUS_LABELS, INCIDENT_SOURCE_LABELS, INCIDENT_STATUS_LABELS, INCIDENT_TYPE_LABELS, PLACE_KIND_LABELS, TEAM_LABELS, UNIT_KIND_LABELS,
  UNIT_STATUS_LABELS, VOLUNTEER_KIND_LABELS,
} from '@ccr/shared';
import { CATALOGUES, LOCALES, tl, type MessageKey } from './i18n';

function leaves(node: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(path, v);
    else for (const [p, s] of leaves(v as object, path)) out.set(p, s);
  }
  return out;
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

/** Placeholders a language leaves out on purpose: the /stats header has no room for an English station name. */
const OMITS: Record<string, string[]> = { 'en stats.title': ['station'], 'en stats.titleCommunity': ['station'] };

describe('language catalogues', () => {
  const base = leaves(CATALOGUES['zh-CN']);

  it('every catalogue has exactly the keys of zh-CN, each with the same placeholders', () => {
    expect(base.size).toBeGreaterThan(300);
    for (const locale of LOCALES) {
      const cat = leaves(CATALOGUES[locale]);
      expect([...cat.keys()].sort(), locale).toEqual([...base.keys()].sort());
      for (const [key, zh] of base) {
        // A language may leave out a value it has no room for, never add one the caller does not give.
        const expected = OMITS[`${locale} ${key}`] ? placeholders(zh).filter((p) => !OMITS[`${locale} ${key}`]!.includes(p)) : placeholders(zh);
        expect(placeholders(cat.get(key)!), `${locale} ${key}`).toEqual(expected);
      }
    }
  });

  it('every message says something (but the en count word, which English leaves out)', () => {
    for (const locale of LOCALES) {
      for (const [key, msg] of leaves(CATALOGUES[locale])) if (!(locale === 'en' && key === 'unit.cases')) expect(msg.length, `${locale} ${key}`).toBeGreaterThan(0);
    }
  });

  it('no message uses vue-i18n syntax by accident: @ | { } only as {name} or a literal {\'@\'}', () => {
    for (const locale of LOCALES) {
      for (const [key, msg] of leaves(CATALOGUES[locale])) {
        const rest = msg.replace(/\{\w+\}/g, '').replace(/\{'[@|{}]'\}/g, '');
        expect(rest, `${locale} ${key}`).not.toMatch(/[@|{}]/);
      }
    }
  });

  it('renders every message as written, placeholders filled, in both languages', () => {
    for (const locale of LOCALES) {
      for (const [key, msg] of leaves(CATALOGUES[locale])) {
        const params = Object.fromEntries(placeholders(msg).map((p) => [p, `<${p}>`]));
        const want = msg.replace(/\{(\w+)\}/g, (_m, p: string) => `<${p}>`).replace(/\{'([@|{}])'\}/g, '$1');
        expect(tl(key as MessageKey, locale, params), `${locale} ${key}`).toBe(want);
      }
    }
  });

  it('says the domain\'s codes as @ccr/shared\'s label tables do, which the server uses', () => {
    const shared = {
      incidentType: INCIDENT_TYPE_LABELS, incidentSource: INCIDENT_SOURCE_LABELS, incidentStatus: INCIDENT_STATUS_LABELS,
      unitKind: UNIT_KIND_LABELS, unitStatus: UNIT_STATUS_LABELS, team: TEAM_LABELS, placeKind: PLACE_KIND_LABELS,
      volunteerKind: VOLUNTEER_KIND_LABELS,
      disputeStatus: DISPUTE_STATUS_LABELS, disputeCategory: DISPUTE_CATEGORY_LABELS, mediationTier: MEDIATION_TIER_LABELS,
      sessionResult: SESSION_RESULT_LABELS, satisfaction: SATISFACTION_LABELS, riskLevel: RISK_LEVEL_LABELS, disputeSource: DISPUTE_SOURCE_LABELS,
      taskStatus: TASK_STATUS_LABELS,
    } as Record<string, Record<string, Record<'zh-CN' | 'en', string>>>;
    for (const locale of ['zh-CN', 'en'] as const) {
      const want = Object.fromEntries(Object.entries(shared).map(([set, table]) => [set, Object.fromEntries(Object.entries(table).map(([code, v]) => [code, v[locale]]))]));
      expect(CATALOGUES[locale].label, locale).toEqual(want);
    }
    expect(tl('label.incidentType.theft', 'zh-CN')).toBe('盗窃');
  });

  it('fills placeholders', () => {
    expect(tl('wall.title', 'zh-CN', { station: '胜芳派出所' })).toBe('胜芳派出所 综合指挥室');
    expect(tl('board.more', 'en', { n: 3 })).toBe('+3 more');
    expect(tl('stats.title', 'zh-CN', { station: '胜芳派出所' })).toBe('胜芳派出所 警情统计分析');
  });

  it('every literal key the client passes to a translation function is in the catalogue', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) { if (name !== 'locales') walk(p); } else if (/\.(ts|vue)$/.test(name) && !name.endsWith('.test.ts')) files.push(p);
      }
    };
    walk(join(__dirname));
    let seen = 0;
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:\b(?:t|tl|td|st)\(|\bsay\('\w+',\s*)\s*'([\w.]+)'/g)) {
        seen++;
        expect(base.has(m[1]!), `${f}: ${m[1]}`).toBe(true);
      }
    }
    expect(seen).toBeGreaterThan(100);
  });
});
