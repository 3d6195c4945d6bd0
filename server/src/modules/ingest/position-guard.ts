// The plausibility filter (shared/src/position-plausibility.ts) between validation and the apply script.
//
// Why in TypeScript before the script, not inside the Lua: the rule needs the unit's kind, the distance on the
// sphere and a run of refused fixes; written in Lua as well it would be a second copy to keep in step. Every node
// subscribes to the positions channel and so sees every fix (the HTTP twin publishes onto that channel too), so
// each node's memory of the last accepted fixes is the same; a node that just started reads them from the store
// once per unit. A memory behind the store holds an older true fix, against which a true new fix is still
// plausible (a real path is never faster than its legs), so a stale memory only ever lets more through.
import {
  PositionPlausibility, type PlausibilitySettings, type UnitKind, type UnitStatus,
} from '@ccr/shared';
import type { LiveRepository, NormalisedPosition } from '../live/live-repository.js';
import type { Rejection } from './ingest-validation.js';

/** A frozen fix matters while the unit is driving to a scene: then the wall shows it standing where it is not. */
export const FROZEN_WATCH_STATUSES: readonly UnitStatus[] = ['dispatched', 'en_route'];
/** A unit whose fix stays frozen is re-checked (its status may have changed) at most this often. */
const FROZEN_RECHECK_MS = 15_000;

export interface Screened {
  passed: NormalisedPosition[];
  refused: Rejection | undefined;
  /** Units whose fix has been identical long enough to be frozen (`since`), or moved again (`since` null). */
  frozenChanges: { unitId: string; since: number | null }[];
}

export class PositionGuard {
  private readonly rule: PositionPlausibility;
  /** Units this node believes flagged, so a moving fix unflags them once; seeded from the store at start. */
  private readonly flagged = new Set<string>();
  private readonly nextFrozenCheck = new Map<string, number>();

  constructor(
    private readonly kinds: ReadonlyMap<string, UnitKind>,
    private readonly live: LiveRepository,
    settings: PlausibilitySettings,
  ) {
    this.rule = new PositionPlausibility(settings);
  }

  async start(): Promise<void> {
    for (const id of await this.live.frozenUnitIds()) this.flagged.add(id);
  }

  /** Refuses implausible fixes; the others pass, in order. `now`: the server's clock. */
  async screen(positions: readonly NormalisedPosition[], now: number): Promise<Screened> {
    const unseen = [...new Set(positions.filter((p) => this.kinds.has(p.unitId) && !this.rule.knows(p.unitId)).map((p) => p.unitId))];
    if (unseen.length > 0) {
      const fixes = await this.live.readFixes(unseen);
      // A stored fix from a clock ahead is not a fix to judge against (its time is not the truth).
      unseen.forEach((id, i) => { const f = fixes[i]; if (f && f.ts > 0 && f.ts <= now) this.rule.remember(id, f); });
    }
    const passed: NormalisedPosition[] = [];
    const frozenChanges: Screened['frozenChanges'] = [];
    let refused: Rejection | undefined;
    const frozenAfter = this.rule.settings.frozenAfterMs;
    for (const p of positions) {
      const kind = this.kinds.get(p.unitId);
      if (!kind) { passed.push(p); continue; } // unknown units are refused by the apply script, and counted there
      const v = this.rule.check(p.unitId, kind, p);
      if (!v.ok) {
        if (refused) refused.count += 1;
        else refused = { reason: v.reason, detail: v.detail, count: 1 };
        continue;
      }
      passed.push(p);
      if (v.frozenFor >= frozenAfter) {
        if ((this.nextFrozenCheck.get(p.unitId) ?? 0) <= now) {
          this.nextFrozenCheck.set(p.unitId, now + FROZEN_RECHECK_MS);
          frozenChanges.push({ unitId: p.unitId, since: p.ts - v.frozenFor });
          this.flagged.add(p.unitId);
        }
      } else if (v.moved && this.flagged.delete(p.unitId)) {
        this.nextFrozenCheck.delete(p.unitId);
        frozenChanges.push({ unitId: p.unitId, since: null });
      }
    }
    return { passed, refused, frozenChanges };
  }
}
