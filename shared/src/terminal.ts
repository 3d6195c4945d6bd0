// The terminal app's own rules (a unit's phone at /m): which units take their position from the phone, and whether a
// phone's fix can be true. Pure: the server passes the unit's kind, its last stored fix and the jurisdiction's box.
import { Type, type Static } from '@sinclair/typebox';
import type { UnitKind } from './domain.js';
import { LatSchema, LngSchema } from './domain.js';
import { bboxOfRings, haversineMeters, type BBox, type Ring } from './geo.js';
import type { Jurisdiction } from './jurisdiction.js';
import { EpochMsSchema } from './time.js';
import { judgeFix, type Fix, type PlausibilitySettings } from './position-plausibility.js';

/** unit:position — a fix from the phone's geolocation; the unit is the one the device token names. */
export const PhonePositionSchema = Type.Object(
  {
    lng: LngSchema,
    lat: LatSchema,
    /** When the phone took the fix (epoch ms). */
    ts: EpochMsSchema,
    /** The phone's own error estimate, metres (GeolocationCoordinates.accuracy). */
    accuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
    speed: Type.Optional(Type.Number({ minimum: 0, maximum: 150 })),
    heading: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
  },
  { additionalProperties: false },
);
export type PhonePosition = Static<typeof PhonePositionSchema>;

/**
 * Units whose position comes from an officer's phone: those without vehicle GPS. A patrol car reports from its
 * vehicle unit (a phone in it would be a second, disagreeing track); a minimum emergency unit is a fixed place.
 */
export const PHONE_TRACKED_KINDS: readonly UnitKind[] = ['foot_patrol', 'community_officer', 'case_officer', 'combat_unit', 'volunteer_team'];

/** How far outside the jurisdiction's box a phone's fix is still believed (a unit chasing across the line). */
export const PHONE_AREA_MARGIN_M = 10_000;
/** A phone's fix whose own error estimate is worse than this tells nothing about where the unit is. */
export const PHONE_MAX_ACCURACY_M = 500;

export type PhoneFixVerdict =
  | { ok: true }
  | { ok: false; code: 'position_not_tracked' }
  | { ok: false; code: 'position_out_of_area'; km: number }
  | { ok: false; code: 'position_inaccurate'; metres: number; max: number }
  | { ok: false; code: 'position_implausible'; metres: number; seconds: number };

/** Metres from a point to a box (0 inside). */
export function metresOutside(p: Fix, b: BBox): number {
  const lng = Math.min(Math.max(p.lng, b.minLng), b.maxLng);
  const lat = Math.min(Math.max(p.lat, b.minLat), b.maxLat);
  return haversineMeters([p.lng, p.lat], [lng, lat]);
}

/** Whether a phone's fix is taken: its unit takes phone fixes, it lies in the area, it is precise enough, and it can
 *  follow the unit's last stored fix (the same rule as every other fix: shared/src/position-plausibility.ts). */
export function judgePhoneFix(input: {
  kind: UnitKind; fix: Fix; accuracy?: number; last: Fix | null; area: BBox; settings: PlausibilitySettings;
}): PhoneFixVerdict {
  if (!PHONE_TRACKED_KINDS.includes(input.kind)) return { ok: false, code: 'position_not_tracked' };
  const outside = metresOutside(input.fix, input.area);
  if (outside > PHONE_AREA_MARGIN_M) return { ok: false, code: 'position_out_of_area', km: Math.round(outside / 1_000) };
  if (input.accuracy !== undefined && input.accuracy > PHONE_MAX_ACCURACY_M) {
    return { ok: false, code: 'position_inaccurate', metres: Math.round(input.accuracy), max: PHONE_MAX_ACCURACY_M };
  }
  if (input.last) {
    const j = judgeFix(input.last, input.fix, input.kind, input.settings);
    if (!j.plausible) return { ok: false, code: 'position_implausible', metres: Math.round(j.metres), seconds: Math.round((input.fix.ts - input.last.ts) / 1_000) };
  }
  return { ok: true };
}

/** The box around every grid of a jurisdiction. */
export function jurisdictionBox(j: Jurisdiction): BBox {
  const rings: Ring[] = [];
  for (const f of j.grids.features) {
    const g = f.geometry;
    for (const poly of g.type === 'Polygon' ? [g.coordinates] : g.coordinates) rings.push(poly[0] as Ring);
  }
  return bboxOfRings(rings);
}
