// Colours carry meaning and only meaning (DESIGN.md): priority, unit status, timer state.
import type { LiveUnit, Priority, UnitKind } from '@ccr/shared';

export const COLORS = {
  background: '#070d1a',
  panel: '#0c1628',
  panelBorder: '#1e3354',
  text: '#e8eef7',
  textDim: '#93a4bd',
  gridFill: '#10213c',
  gridFillAlt: '#0e1c33',
  gridBorder: '#4f9dff',
  gridLabel: '#b9cbe4',
  road: '#3d5a80',
  roadPrimary: '#5b7aa3',
  ok: '#2fd16b',
  warn: '#f5a524',
  danger: '#ff4d4f',
  info: '#3b8bff',
  offDuty: '#4a5a70',
  stale: '#8d96a3',
  emergency: '#7a6bbf',
} as const;

export const PRIORITY_COLORS: Record<Priority, string> = {
  1: COLORS.danger,
  2: COLORS.warn,
  3: COLORS.info,
};

/** The four colour classes a unit can be drawn in. */
export const UNIT_COLOR_CLASSES = ['available', 'busy', 'off_duty', 'stale'] as const;
export type UnitColorClass = (typeof UNIT_COLOR_CLASSES)[number];

export const UNIT_CLASS_COLORS: Record<UnitColorClass, string> = {
  available: COLORS.ok,
  busy: COLORS.warn,
  off_duty: COLORS.offDuty,
  stale: COLORS.stale,
};

/** Stale wins over any status: a silent unit's status is not to be trusted. */
export function unitColorClass(u: Pick<LiveUnit, 'status' | 'stale'>): UnitColorClass {
  if (u.stale) return 'stale';
  if (u.status === 'available') return 'available';
  if (u.status === 'off_duty') return 'off_duty';
  return 'busy';
}

/** Kinds drawn as moving units on the map (emergency units are a separate, dim layer). */
export const MAP_UNIT_KINDS = [
  'patrol_car', 'foot_patrol', 'community_officer', 'case_officer', 'combat_unit', 'volunteer_team',
] as const satisfies readonly UnitKind[];
export type MapUnitKind = (typeof MAP_UNIT_KINDS)[number];

/**
 * Unit symbols as SVG paths in a 24×24 box: used by ECharts (`path://`) and by the HTML legend, so the
 * legend always draws exactly what the map draws.
 */
export const KIND_SYMBOL_PATHS: Record<UnitKind, string> = {
  // rounded car body with a cabin
  patrol_car: 'M3 11 L6 5 H18 L21 11 V19 H3 Z',
  // circle
  foot_patrol: 'M12 2 A10 10 0 1 1 11.99 2 Z',
  // triangle
  community_officer: 'M12 2 L22 21 H2 Z',
  // square
  case_officer: 'M3 3 H21 V21 H3 Z',
  // hexagon
  combat_unit: 'M12 1 L22 6.5 V17.5 L12 23 L2 17.5 V6.5 Z',
  // small house for a fixed place
  emergency_unit: 'M12 2 L22 11 H19 V22 H5 V11 H2 Z',
  // five-point star
  volunteer_team: 'M12 1 L14.9 8.6 L23 9.2 L16.8 14.4 L18.8 22.4 L12 18 L5.2 22.4 L7.2 14.4 L1 9.2 L9.1 8.6 Z',
};

export const KIND_SYMBOL_SIZE: Record<UnitKind, number> = {
  patrol_car: 15,
  foot_patrol: 11,
  community_officer: 13,
  case_officer: 11,
  combat_unit: 14,
  emergency_unit: 8,
  volunteer_team: 13,
};

/** Incidents are pins, so their priority colours never read as a unit status. */
export const INCIDENT_SYMBOL_PATH = 'M12 1 C6.5 1 3 5.2 3 9.8 C3 15.5 12 23 12 23 C12 23 21 15.5 21 9.8 C21 5.2 17.5 1 12 1 Z';

export const FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';
