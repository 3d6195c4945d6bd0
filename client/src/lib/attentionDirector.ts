// The wall's attention director: a new priority-1 incident or a missed target takes the map for a while — the
// scene, its 1-3-5 rings and the nearest available units — then hands it back. Several at once queue, in the
// order they happened; an operator's pinned view is never taken (requests wait, and lapse if they wait too long).
// Pure and clock-driven: the map asks `at(now)` on its own tick and moves only when the answer changes.

export type FocusReason = 'p1' | 'breach';

export interface FocusRequest {
  /** One request per incident and reason (a second breach of the same incident is the same news). */
  key: string;
  incidentId: string;
  reason: FocusReason;
  /** [lng, lat] of the scene. */
  scene: [number, number];
  /** Client clock when it was asked for. */
  at: number;
}

export type DirectorState =
  | { mode: 'overview' }
  | { mode: 'pinned' }
  | { mode: 'focus'; request: FocusRequest; until: number; queued: number };

export class AttentionDirector {
  private queue: FocusRequest[] = [];
  private current: { request: FocusRequest; until: number } | null = null;
  private pinned = false;
  private seen = new Set<string>();

  constructor(private focusMs: number) {}

  setFocusMs(ms: number): void {
    this.focusMs = ms;
  }

  /** A request waiting longer than this (behind others, or behind a pin) is old news and lapses. */
  private get lapseMs(): number {
    return this.focusMs * 5;
  }

  request(r: FocusRequest): void {
    if (this.seen.has(r.key)) return;
    this.seen.add(r.key);
    if (this.seen.size > 500) this.seen.delete(this.seen.values().next().value as string);
    this.queue.push(r);
  }

  /** The incident no longer needs attention (closed, acknowledged): its requests go, and its focus ends. */
  forget(incidentId: string): void {
    this.queue = this.queue.filter((q) => q.incidentId !== incidentId);
    if (this.current?.request.incidentId === incidentId) this.current = null;
  }

  /** The operator's lock: while pinned, nothing moves the map. */
  setPinned(pinned: boolean): void {
    this.pinned = pinned;
    if (pinned) this.current = null;
  }

  get isPinned(): boolean {
    return this.pinned;
  }

  at(now: number): DirectorState {
    this.queue = this.queue.filter((q) => now - q.at <= this.lapseMs);
    if (this.pinned) return { mode: 'pinned' };
    if (this.current && now >= this.current.until) this.current = null;
    if (!this.current) {
      const next = this.queue.shift();
      if (next) this.current = { request: next, until: now + this.focusMs };
    }
    return this.current ? { mode: 'focus', request: this.current.request, until: this.current.until, queued: this.queue.length } : { mode: 'overview' };
  }
}

const M_PER_DEG_LAT = 111_320;

/** The box a focus must show: the scene with its outer ring, and the nearest available units (at most `n`). */
export function focusBox(scene: [number, number], ringRadiusM: number, units: readonly [number, number][], n = 3): [[number, number], [number, number]] {
  const [lng, lat] = scene;
  const cos = Math.cos((lat * Math.PI) / 180);
  const dLat = ringRadiusM / M_PER_DEG_LAT;
  const dLng = ringRadiusM / (M_PER_DEG_LAT * cos);
  let minLng = lng - dLng, maxLng = lng + dLng, minLat = lat - dLat, maxLat = lat + dLat;
  const nearest = [...units]
    .map((p) => ({ p, d: ((p[0] - lng) * cos) ** 2 + (p[1] - lat) ** 2 }))
    .sort((a, b) => a.d - b.d)
    .slice(0, n);
  for (const { p } of nearest) {
    minLng = Math.min(minLng, p[0]); maxLng = Math.max(maxLng, p[0]);
    minLat = Math.min(minLat, p[1]); maxLat = Math.max(maxLat, p[1]);
  }
  return [[minLng, minLat], [maxLng, maxLat]];
}
