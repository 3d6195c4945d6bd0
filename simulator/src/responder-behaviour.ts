// How the simulated people around the police answer (pure; the rng decides): a minimum emergency unit's leader
// answering a call-out and a roll-call (点名), a volunteer or a unit's terminal answering a broadcast search (协查). Times are field time
// divided by the time scale (real milliseconds). The talking is devices.ts's and volunteer-fleet.ts's.
import { hashString, logNormal, type Rng } from '@ccr/shared/demo';

const S = 1_000;
const MIN = 60 * S;

export type CallOutPlan =
  | { answer: 'coming'; afterMs: number; people: number; arriveAfterMs: number; doneAfterMs: number; note: string }
  | { answer: 'cannot'; afterMs: number; note: string };

const CANNOT_NOTES = ['值班人员外出，无法到场', '店内仅一人值守，无法离开', '正在处置本单位突发情况'] as const;
const DONE_NOTES = ['协助疏散围观群众，维持现场秩序', '控制现场，等待民警到场移交', '协助救助伤员，已移交120', '劝阻双方，现场已平息'] as const;

/**
 * A called-out unit's leader: ~80 % coming within 10–40 s with 2–6 people (never more than registered), ~12 %
 * can't, the rest never answer. Arrival: a minute's getting ready and a brisk walk from the unit's place
 * (`distanceM`), with a spread; one in eight is late (held up). Done some 5–20 minutes after arriving.
 */
export function callOutPlan(rng: Rng, timeScale: number, distanceM: number, members: number): CallOutPlan | null {
  const u = rng.next();
  const afterMs = rng.float(10 * S, 40 * S) / timeScale;
  if (u < 0.08) return null;
  if (u < 0.2) return { answer: 'cannot', afterMs, note: rng.pick(CANNOT_NOTES) };
  const people = Math.max(1, Math.min(members || 6, rng.int(2, 6)));
  const walk = (15 * S + (distanceM / 2) * S) * Math.exp(rng.float(-0.25, 0.25));
  const arriveField = Math.max(afterMs * timeScale + 5 * S, walk * (rng.chance(0.125) ? rng.float(2, 3.5) : 1));
  return {
    answer: 'coming', afterMs, people, arriveAfterMs: arriveField / timeScale,
    doneAfterMs: (arriveField + rng.float(5 * MIN, 20 * MIN)) / timeScale, note: rng.pick(DONE_NOTES),
  };
}

/** A unit's own habit: about one in sixteen units is slack and mostly misses roll-calls (so some get flagged). */
export const slackUnit = (unitId: string): boolean => hashString(`slack:${unitId}`) % 16 === 0;

/**
 * A unit's leader answering a roll-call open for `windowMs` (real): most answer within the first two thirds of it
 * with most of the registered people ready; a few answer late (refused by the server, as a late phone would be)
 * or not at all; a slack unit answers only now and then.
 */
export function rollCallPlan(rng: Rng, unitId: string, windowMs: number, members: number): { afterMs: number; people: number } | null {
  const u = rng.next();
  const absent = slackUnit(unitId) ? 0.75 : 0.05;
  if (u < absent) return null;
  const late = u < absent + 0.04;
  const afterMs = windowMs * (late ? rng.float(1.05, 1.5) : rng.float(0.05, 0.66));
  const people = members > 0 ? rng.int(Math.ceil(members * 0.6), members) : 0;
  return { afterMs, people };
}

const SIGHTING_TEXTS = ['在路口见到一位相似的人，往东走了', '超市门口有人符合描述，正在附近', '公交站旁看到类似的人，已请其稍候', '小区门口见到相似的人'] as const;

export interface SearchAnswerPlan { ackAfterMs: number; sighting: { afterMs: number; lng: number; lat: number; text: string } | null }

/**
 * A volunteer, a grid officer or an emergency unit's leader told of a search: acknowledges within half a minute to a
 * few minutes (field time); about one in four who are told reports a sighting near the centre (within a third of the
 * radius) some 5–30 minutes later.
 */
export function searchAnswerPlan(rng: Rng, timeScale: number, centre: { lng: number; lat: number }, radiusM: number): SearchAnswerPlan {
  const ackAfterMs = logNormal(rng, 60 * S, 0.7) / timeScale;
  if (!rng.chance(0.25)) return { ackAfterMs, sighting: null };
  const r = (radiusM / 3) * Math.sqrt(rng.next());
  const a = rng.float(0, 2 * Math.PI);
  const lat = centre.lat + (r * Math.sin(a)) / 111_320;
  const lng = centre.lng + (r * Math.cos(a)) / (111_320 * Math.cos((centre.lat * Math.PI) / 180));
  return { ackAfterMs, sighting: { afterMs: ackAfterMs + rng.float(5 * MIN, 30 * MIN) / timeScale, lng, lat, text: rng.pick(SIGHTING_TEXTS) } };
}
