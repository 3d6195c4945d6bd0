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
  /** Dispatch lines: a colour no status or priority uses. */
  dispatch: '#3fd0ff',
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
 * Unit symbols. ECharts' large mode (needed for 5,000 units in a frame) draws only its built-in symbols,
 * not `path://` ones, so each kind is a built-in shape (combat units a square frame, volunteer teams a ring), and the HTML legend draws the
 * same shapes from `legendPath` (24×24 box, matching ECharts' own geometry).
 * Patrol cars, the kind that grows to thousands, are filled squares: a canvas without GPU rasterises 5,000
 * axis-aligned squares in ~8 ms but 5,000 diamonds in ~75 ms (`pnpm bench --suite wall`). Slanted shapes
 * go to the kinds a station has a few dozen of.
 */
export interface KindSymbol { symbol: 'circle' | 'rect' | 'roundRect' | 'triangle' | 'diamond'; hollow: boolean; legendPath: string }

export const KIND_SYMBOLS: Record<UnitKind, KindSymbol> = {
  patrol_car: { symbol: 'rect', hollow: false, legendPath: 'M3 3 H21 V21 H3 Z' },
  foot_patrol: { symbol: 'circle', hollow: false, legendPath: 'M12 2 A10 10 0 1 1 11.99 2 Z' },
  community_officer: { symbol: 'triangle', hollow: false, legendPath: 'M12 2 L22 21 H2 Z' },
  case_officer: { symbol: 'diamond', hollow: false, legendPath: 'M12 1 L23 12 L12 23 L1 12 Z' },
  combat_unit: { symbol: 'rect', hollow: true, legendPath: 'M4 4 H20 V20 H4 Z' },
  emergency_unit: { symbol: 'roundRect', hollow: false, legendPath: 'M7 4 H17 A3 3 0 0 1 20 7 V17 A3 3 0 0 1 17 20 H7 A3 3 0 0 1 4 17 V7 A3 3 0 0 1 7 4 Z' },
  volunteer_team: { symbol: 'circle', hollow: true, legendPath: 'M12 3.5 A8.5 8.5 0 1 1 11.99 3.5 Z' },
};

export const KIND_SYMBOL_SIZE: Record<UnitKind, number> = {
  patrol_car: 12,
  foot_patrol: 11,
  community_officer: 13,
  case_officer: 13,
  combat_unit: 13,
  emergency_unit: 7,
  volunteer_team: 13,
};

/** Incidents are pins, so their priority colours never read as a unit status. */
export const INCIDENT_SYMBOL_PATH = 'M12 1 C6.5 1 3 5.2 3 9.8 C3 15.5 12 23 12 23 C12 23 21 15.5 21 9.8 C21 5.2 17.5 1 12 1 Z';

export const FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';
