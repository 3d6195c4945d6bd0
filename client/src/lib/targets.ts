// Timer colours on the wall and the console, from the response targets the server sent in the snapshot
// (shared/src/targets.ts): the clock runs against the dispatch target until someone is sent, then against the
// on-scene target; it freezes when police arrive — normal when every target was met, red when one was missed.
import {
  DEFAULT_RESPONSE_TARGETS, incidentTimer, missedTargets, type Incident, type TargetKind, type TargetsByPriority,
} from '@ccr/shared';

/** ok: within target; near: most of the pending target used (amber); late: a target is missed (red). */
export type TimerState = 'ok' | 'near' | 'late';

export interface BoardTimer {
  state: TimerState;
  /** The target the clock runs against now; null once police are on scene. */
  pending: TargetKind | null;
  /** Targets missed so far (pending past the deadline, or met late), plus any the server announced. */
  breached: TargetKind[];
}

type TimedIncident = Pick<Incident, 'priority' | 'status' | 'reportedAt' | 'timeline'>;

export function boardTimer(
  incident: TimedIncident, now: number, targets: TargetsByPriority = DEFAULT_RESPONSE_TARGETS, announced: readonly TargetKind[] = [],
): BoardTimer {
  const missed = missedTargets(incident, targets, now).map((m) => m.target);
  const breached = [...new Set([...missed, ...announced])];
  const running = incidentTimer(incident, targets, now);
  if (running) {
    const state: TimerState = running.state === 'breached' || breached.length > 0 ? 'late' : running.state;
    return { state, pending: running.target, breached };
  }
  return { state: breached.length > 0 ? 'late' : 'ok', pending: null, breached };
}

export function timerState(incident: TimedIncident, now: number, targets: TargetsByPriority = DEFAULT_RESPONSE_TARGETS): TimerState {
  return boardTimer(incident, now, targets).state;
}
