// Which statistics counters an incident change moves. Pure: every write of an incident (ingest, dispatch
// commands, status changes) passes its before and after through here and applies the moves in the same Redis
// script as the write, so a figure moves exactly once per change however often a message is redelivered.
import { localDay, type Incident } from '@ccr/shared';

/** One counter move: HINCRBY <prefix><bucket> <field> <by>. Buckets are hashes named by this module. */
export interface BucketMove { bucket: string; field: string; by: number }

export const dayBucket = (day: string): string => `stats:day:${day}`;

function countsOf(i: Pick<Incident, 'type' | 'priority' | 'reportedAt'>, timeZone: string, by: 1 | -1): BucketMove[] {
  const bucket = dayBucket(localDay(i.reportedAt, timeZone));
  return [
    { bucket, field: 'total', by },
    { bucket, field: `type:${i.type}`, by },
    { bucket, field: `prio:${i.priority}`, by },
  ];
}

/** Nets out moves that undo each other, so an unchanged bucket is not touched. */
export function netMoves(moves: readonly BucketMove[]): BucketMove[] {
  const net = new Map<string, BucketMove>();
  for (const m of moves) {
    const key = `${m.bucket}|${m.field}`;
    const by = (net.get(key)?.by ?? 0) + m.by;
    if (by === 0) net.delete(key);
    else net.set(key, { ...m, by });
  }
  return [...net.values()];
}

/** Counter moves that keep every figure exact when an incident is reported, corrected or changes status. */
export function incidentStatsMoves(before: Incident | null, after: Incident, timeZone: string): BucketMove[] {
  if (!before) return countsOf(after, timeZone, 1);
  return netMoves([...countsOf(before, timeZone, -1), ...countsOf(after, timeZone, 1)]);
}
