// Who did it, in words a person reads on the wall and the console: timelines and the ticker carry actor ids
// ("system", "device:P-03", an account's username), people's notes with unit ids ("P-03,P-05 携带警棍") and the
// system's own remarks as codes ({ code: 'arrived_geofence', params: { unitId, meters } }). This module turns them
// into names and sentences (系统(到场判定), 巡逻车03 终端, 巡逻车03 到达现场 35 米内（电子围栏）) from the catalogues.
// Pure: the caller passes what it knows about units and accounts, so the same rules serve every screen and are
// tested without a store.
import type { Locale, TimelineRemark } from '@ccr/shared';
import { tl } from '../i18n';

export interface NameBook {
  /** A unit's display name by id (roster `name`), when the screen knows the unit. */
  unit(id: string): string | undefined;
  /** An account's display name by username, when the screen knows the account (e.g. the signed-in user). */
  account?(username: string): string | undefined;
}

/** Actors the server itself writes, by the rule that acted: `actor.<id>` in the catalogues. */
const SYSTEM_ACTORS = new Set(['system', 'history', 'producer-token', 'anonymous']);
const DEVICE_PREFIX = 'device:';

export function unitName(id: string, names: NameBook): string {
  return names.unit(id) ?? id;
}

/** The actor of a timeline entry as a person reads it; '' when there is none. */
export function actorName(by: string | undefined, locale: Locale, names: NameBook): string {
  if (!by) return '';
  if (SYSTEM_ACTORS.has(by)) return tl(`actor.${by}` as 'actor.system', locale);
  if (by.startsWith(DEVICE_PREFIX)) return tl('actor.terminal', locale, { unit: unitName(by.slice(DEVICE_PREFIX.length), names) });
  return names.account?.(by) ?? by;
}

/** What the system said of a timeline step, in the reader's language, units by name. */
export function remarkText(remark: TimelineRemark, locale: Locale, names: NameBook): string {
  switch (remark.code) {
    case 'arrived_geofence': return tl('timeline.arrived_geofence', locale, { unit: unitName(remark.params.unitId, names), meters: remark.params.meters });
    case 'merged_from': return tl('timeline.merged_from', locale, { incidentId: remark.params.incidentId });
  }
}

/** Unit ids inside a note ("P-01,P-02 携带警棍", as a dispatch note lists its units) replaced by names. */
export function withUnitNames(text: string, names: NameBook): string {
  if (!text) return text;
  // Unit ids are tokens of the id alphabet; only tokens the book knows are replaced, so other words stay.
  return text.replace(/[A-Za-z0-9][A-Za-z0-9_.:-]*/g, (token) => names.unit(token) ?? token);
}

/** Several units as one list ("巡逻车03、巡逻车05" / "Patrol 03, Patrol 05"). */
export function unitList(ids: readonly string[], locale: Locale, names: NameBook): string {
  return ids.map((id) => unitName(id, names)).join(locale === 'en' ? ', ' : '、');
}
