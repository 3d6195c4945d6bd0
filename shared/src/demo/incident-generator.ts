// Simulated 警情: Poisson arrivals following an hour-of-day profile, a town's type mix, hot-spot grids,
// addresses on the jurisdiction's real road names, and now and then a corrected re-send of an earlier
// report (same id = update, per the ingest contract). Pure: time comes in as arguments, randomness from Rng.
import {
  bboxOfRings, createGridLocator, haversineMeters, localDay, pointInMultiPolygon, type BBox, type IncidentReport,
  type IncidentSource, type IncidentType, type Jurisdiction, type LngLat, type MultiPolygonCoords, type Priority, INCIDENT_SOURCES,
  INCIDENT_TYPES,
} from '../index.js';
import type { Rng } from './prng.js';
import {
  CORRECTION_NOTES, HOURLY_INCIDENT_RATE, SOURCE_WEIGHTS, SUMMARIES, TYPE_WEIGHTS, typeHourFactor,
} from './incident-texts.js';
import { SURNAMES } from './place-names.js';

export interface IncidentGeneratorOptions {
  jurisdiction: Jurisdiction;
  rng: Rng;
  /** Mean incidents per hour over a day; the profile keeps its shape. Default: the profile as is (≈3.5/h). */
  incidentsPerHour?: number;
  /** Share of incidents re-sent later with a corrected field. */
  correctionChance?: number;
  /** First sequence number of a local day ("20261123"), e.g. to continue today's numbering after a restart. */
  firstSequence?: (day: string) => number;
}

export interface IncidentGenerator {
  /** Incidents arising in simulated time (fromMs, toMs], reported at wall-clock wallMs. */
  advance(simFromMs: number, simToMs: number, wallMs: number): IncidentReport[];
  /** One new incident now, whatever the rate. */
  emitNow(simMs: number, wallMs: number): IncidentReport;
  /** Expected incidents per hour at a local hour 0–23. */
  hourlyRate(hour: number): number;
  /** Local hour (0–23) of an instant in the station's time zone. */
  localHour(ms: number): number;
}

/** Names that mark a busy grid: the old town, markets, the furniture mall, the main street. */
const HOTSPOT_NAME = /古镇|市场|商贸|家具城|中山街|商业|步行街/u;

interface RoadSpot { a: LngLat; b: LngLat; startM: number; lengthM: number; road: string }
interface Junction { p: LngLat; roads: [string, string] }
interface GridPlace {
  id: string;
  name: string;
  polygons: MultiPolygonCoords;
  bbox: BBox;
  weight: number;
  spots: RoadSpot[];
  spotsLengthM: number;
  junctions: Junction[];
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** ISO-8601 with the zone's offset, e.g. 2026-11-23T09:41:05+08:00 (the form 110 systems send). */
export function formatLocalIso(ms: number, timeZone: string): string {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      second: '2-digit', timeZoneName: 'longOffset',
    });
    offsetFormatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const offset = (parts.timeZoneName ?? 'GMT').replace('GMT', '') || '+00:00';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

const hourFormatters = new Map<string, Intl.DateTimeFormat>();
function localHourOf(ms: number, timeZone: string): number {
  let f = hourFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', hourCycle: 'h23' });
    hourFormatters.set(timeZone, f);
  }
  return Number(f.format(new Date(ms))) % 24;
}

/** "胜芳派出所" → "胜芳镇": the prefix of every address in the jurisdiction. */
function placePrefix(stationName: string): string {
  const base = stationName.replace(/派出所$/u, '');
  return /(镇|乡|街道|区|县|市)$/u.test(base) ? base : `${base}镇`;
}

function gridPlaces(j: Jurisdiction): GridPlace[] {
  const shapes = j.grids.features.map((f) => ({
    id: f.properties.id,
    polygons: f.geometry.type === 'Polygon' ? [f.geometry.coordinates as LngLat[][]] : (f.geometry.coordinates as LngLat[][][]),
  }));
  const locate = createGridLocator(shapes);
  const places = new Map<string, GridPlace>(
    j.grids.features.map((f, i) => {
      const name = f.properties.name;
      const weight = HOTSPOT_NAME.test(name) ? 3.5 : /社区|街道/u.test(name) ? 1.6 : /园区/u.test(name) ? 1.2 : 0.7;
      const polygons = shapes[i]!.polygons;
      return [f.properties.id, { id: f.properties.id, name, polygons, bbox: bboxOfRings(polygons.flat()), weight, spots: [], spotsLengthM: 0, junctions: [] }];
    }),
  );
  const roadsAt = new Map<string, { p: LngLat; names: Set<string> }>();
  for (const road of j.roads.features) {
    const name = road.properties.name;
    const coords = road.geometry.coordinates as LngLat[];
    let startM = 0;
    for (let k = 0; k < coords.length; k++) {
      const a = coords[k]!;
      if (name) {
        const key = `${a[0]},${a[1]}`;
        const at = roadsAt.get(key) ?? { p: a, names: new Set<string>() };
        at.names.add(name);
        roadsAt.set(key, at);
      }
      const b = coords[k + 1];
      if (!b) break;
      const lengthM = haversineMeters(a, b);
      const grid = locate([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
      const place = grid ? places.get(grid) : undefined;
      if (place && name && lengthM > 1) {
        place.spots.push({ a, b, startM, lengthM, road: name });
        place.spotsLengthM += lengthM;
      }
      startM += lengthM;
    }
  }
  for (const { p, names } of roadsAt.values()) {
    if (names.size < 2) continue;
    const grid = locate(p);
    const [r1, r2] = [...names];
    if (grid) places.get(grid)!.junctions.push({ p, roads: [r1!, r2!] });
  }
  return [...places.values()];
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export function createIncidentGenerator(options: IncidentGeneratorOptions): IncidentGenerator {
  const { jurisdiction, rng } = options;
  const timeZone = jurisdiction.station.timeZone ?? 'Asia/Shanghai';
  const prefix = placePrefix(jurisdiction.station.name);
  const places = gridPlaces(jurisdiction);
  const profileMean = HOURLY_INCIDENT_RATE.reduce((s, r) => s + r, 0) / 24;
  const scale = options.incidentsPerHour === undefined ? 1 : options.incidentsPerHour / profileMean;
  const correctionChance = options.correctionChance ?? 0.03;
  const patrolNames = jurisdiction.units.filter((u) => u.kind === 'patrol_car' || u.kind === 'foot_patrol').map((u) => u.name);
  const volunteerTeams = jurisdiction.units.filter((u) => u.kind === 'volunteer_team').map((u) => u.name);
  const sequences = new Map<string, number>();
  const pendingCorrections: { dueSimMs: number; report: IncidentReport }[] = [];

  const hourlyRate = (hour: number): number => (HOURLY_INCIDENT_RATE[((hour % 24) + 24) % 24] ?? 0) * scale;

  const nextId = (wallMs: number): string => {
    const day = localDay(wallMs, timeZone).replaceAll('-', '');
    const seq = sequences.get(day) ?? options.firstSequence?.(day) ?? 1;
    sequences.set(day, seq + 1);
    return `JQ-${day}-${pad(seq, 4)}`;
  };

  const phone = (): string => `1${rng.pick(['3', '5', '8', '9'])}${rng.int(0, 9)}****${pad(rng.int(0, 9999), 4)}`;
  const person = (): string => `${rng.pick(SURNAMES)}${rng.chance(0.55) ? '先生' : '女士'}`;

  function reporterFor(source: IncidentSource, road: string | undefined): string {
    switch (source) {
      case 'video_ai': return `AI视频预警 ${road ?? prefix}${pad(rng.int(1, 40), 2)}号探头`;
      case 'patrol': return patrolNames.length > 0 ? `${rng.pick(patrolNames)} 巡逻发现` : '巡逻民警';
      case 'volunteer': return `${volunteerTeams.length > 0 ? rng.pick(volunteerTeams) : '义警'} ${rng.pick(SURNAMES)}师傅 ${phone()}`;
      case 'online': return `${rng.pick(['百姓说事', '网上报警', '数字民警'])} ${person()}`;
      default: return `${person()} ${phone()}`;
    }
  }

  /** A spot in the grid: a junction for some crashes, otherwise a house number along a named road. */
  function locateIncident(type: IncidentType, grid: GridPlace): { p: LngLat; address: string; road: string | undefined } {
    const inVillage = /村$/u.test(grid.name);
    if (type === 'traffic' && grid.junctions.length > 0 && rng.chance(0.5)) {
      const j = rng.pick(grid.junctions);
      return { p: j.p, address: `${prefix}${j.roads[0]}与${j.roads[1]}交叉口`, road: j.roads[0] };
    }
    if (grid.spots.length > 0) {
      let r = rng.next() * grid.spotsLengthM;
      let spot = grid.spots[grid.spots.length - 1]!;
      for (const s of grid.spots) {
        r -= s.lengthM;
        if (r < 0) {
          spot = s;
          break;
        }
      }
      const t = rng.next();
      const along: LngLat = [spot.a[0] + (spot.b[0] - spot.a[0]) * t, spot.a[1] + (spot.b[1] - spot.a[1]) * t];
      // Off the carriageway to a door (traffic stays on the road); odd numbers on one side, even on the other.
      const left = rng.chance(0.5);
      const offsetM = type === 'traffic' ? 0 : rng.float(8, 30) * (left ? 1 : -1);
      const len = Math.max(spot.lengthM, 1e-6);
      const mPerDegLat = 111_195;
      const mPerDegLng = mPerDegLat * Math.cos((along[1] * Math.PI) / 180);
      const ex = ((spot.b[0] - spot.a[0]) * mPerDegLng) / len;
      const ny = ((spot.b[1] - spot.a[1]) * mPerDegLat) / len;
      const p: LngLat = [along[0] - (ny * offsetM) / mPerDegLng, along[1] + (ex * offsetM) / mPerDegLat];
      let n = Math.max(1, Math.round((spot.startM + t * spot.lengthM) / 9));
      if (n % 2 === (left ? 0 : 1)) n++;
      const street = `${inVillage ? grid.name : ''}${spot.road}`;
      const address = type === 'missing_person' ? `${prefix}${street}附近` : `${prefix}${street}${n}号`;
      return { p, address, road: spot.road };
    }
    for (;;) {
      const p: LngLat = [rng.float(grid.bbox.minLng, grid.bbox.maxLng), rng.float(grid.bbox.minLat, grid.bbox.maxLat)];
      if (pointInMultiPolygon(p, grid.polygons)) return { p, address: `${prefix}${grid.name}`, road: undefined };
    }
  }

  function create(simMs: number, wallMs: number): IncidentReport {
    const hour = localHourOf(simMs, timeZone);
    const type = rng.weighted(INCIDENT_TYPES, (t) => TYPE_WEIGHTS[t] * typeHourFactor(t, hour));
    const template = rng.weighted(SUMMARIES[type], (s) => s.weight ?? 1);
    const priority = rng.weighted([1, 2, 3] as const, (p) => template.priority[p - 1]!) as Priority;
    const source = rng.weighted(INCIDENT_SOURCES, (s) => SOURCE_WEIGHTS[type][s]);
    const grid = rng.weighted(places, (g) => g.weight);
    const spot = locateIncident(type, grid);
    const report: IncidentReport = {
      id: nextId(wallMs),
      type,
      priority,
      lng: round6(spot.p[0]),
      lat: round6(spot.p[1]),
      address: spot.address,
      reportedAt: formatLocalIso(wallMs, timeZone),
      source,
      summary: template.text,
      reporter: reporterFor(source, spot.road),
    };
    if (rng.chance(correctionChance)) pendingCorrections.push({ dueSimMs: simMs + rng.float(60, 600) * 1000, report });
    return report;
  }

  /** The follow-up call: a raised priority, a fuller summary or a corrected house number. */
  function correct(original: IncidentReport): IncidentReport {
    const kind = rng.int(0, 2);
    if (kind === 0 && original.priority > 1) {
      return { ...original, priority: (original.priority - 1) as Priority, summary: `${original.summary ?? ''}${CORRECTION_NOTES[0]}` };
    }
    const numbered = /(\d+)号$/u.exec(original.address ?? '');
    if (kind === 1 && numbered) {
      const fixed = Math.max(1, Number(numbered[1]) + rng.pick([-4, -2, 2, 4, 10, 20]));
      return { ...original, address: (original.address ?? '').replace(/\d+号$/u, `${fixed}号`) };
    }
    return { ...original, summary: `${original.summary ?? ''}${rng.pick(CORRECTION_NOTES.slice(1))}` };
  }

  return {
    hourlyRate,
    localHour: (ms) => localHourOf(ms, timeZone),
    emitNow: create,
    advance(simFromMs, simToMs, wallMs) {
      const out: IncidentReport[] = [];
      // Corrections that fall due, oldest first.
      pendingCorrections.sort((a, b) => a.dueSimMs - b.dueSimMs);
      while (pendingCorrections.length > 0 && pendingCorrections[0]!.dueSimMs <= simToMs) {
        out.push(correct(pendingCorrections.shift()!.report));
      }
      // New arrivals: a Poisson count per slice of at most ten simulated minutes, at that slice's hourly rate.
      const sliceMs = 10 * 60_000;
      for (let from = simFromMs; from < simToMs; from += sliceMs) {
        const to = Math.min(simToMs, from + sliceMs);
        const lambda = (hourlyRate(localHourOf((from + to) / 2, timeZone)) * (to - from)) / 3_600_000;
        const count = rng.poisson(lambda);
        for (let k = 0; k < count; k++) out.push(create(to, wallMs));
      }
      return out;
    },
  };
}
