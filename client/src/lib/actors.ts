// Who did it, in words a person reads on the wall and the console: timelines and the ticker carry actor ids
// ("system", "device:P-03", an account's username) and notes with unit ids ("P-03 到达 35 m / geofence"). This
// module turns them into names (系统(到场判定), 巡逻车03 终端, the account's display name). Pure: the caller passes
// what it knows about units and accounts, so the same rules serve every screen and are tested without a store.
import type { Locale } from '@ccr/shared';

export interface NameBook {
  /** A unit's display name by id (roster `name`), when the screen knows the unit. */
  unit(id: string): string | undefined;
  /** An account's display name by username, when the screen knows the account (e.g. the signed-in user). */
  account?(username: string): string | undefined;
}

/** Actors the server itself writes, by the rule that acted. */
const SYSTEM_ACTORS: Record<string, Record<Locale, string>> = {
  system: { 'zh-CN': '系统(到场判定)', en: 'System (arrival check)' },
  history: { 'zh-CN': '系统(历史数据)', en: 'System (history)' },
  'producer-token': { 'zh-CN': '接入系统', en: 'Producer feed' },
  anonymous: { 'zh-CN': '未登录', en: 'Not signed in' },
};
const TERMINAL: Record<Locale, string> = { 'zh-CN': '{unit} 终端', en: '{unit} terminal' };
const DEVICE_PREFIX = 'device:';

export function unitName(id: string, names: NameBook): string {
  return names.unit(id) ?? id;
}

/** The actor of a timeline entry as a person reads it; '' when there is none. */
export function actorName(by: string | undefined, locale: Locale, names: NameBook): string {
  if (!by) return '';
  const system = SYSTEM_ACTORS[by];
  if (system) return system[locale];
  if (by.startsWith(DEVICE_PREFIX)) {
    const id = by.slice(DEVICE_PREFIX.length);
    return TERMINAL[locale].replace('{unit}', unitName(id, names));
  }
  return names.account?.(by) ?? by;
}

/** Unit ids inside a note (as the server writes them: "P-03 到达 35 m", "P-01,P-02 …") replaced by names. */
export function withUnitNames(text: string, names: NameBook): string {
  if (!text) return text;
  // Unit ids are tokens of the id alphabet; only tokens the book knows are replaced, so other words stay.
  return text.replace(/[A-Za-z0-9][A-Za-z0-9_.:-]*/g, (token) => names.unit(token) ?? token);
}

/** Several units as one list ("巡逻车03、巡逻车05" / "Patrol 03, Patrol 05"). */
export function unitList(ids: readonly string[], locale: Locale, names: NameBook): string {
  return ids.map((id) => unitName(id, names)).join(locale === 'en' ? ', ' : '、');
}
