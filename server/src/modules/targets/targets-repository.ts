// Breach announcements. The only file that knows the breach-marker keys; the events stream is the live one.
import type { DomainEvent, TargetKind } from '@ccr/shared';
import { LuaScript } from '../../plugins/lua-script.js';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import type { LiveRepository } from '../live/live-repository.js';

/**
 * KEYS marker, events
 * ARGV markerTtlMs, now, maxlen, eventJson
 * Sets the marker and appends the event in one step, so two nodes (or one node after a lease handover) never
 * announce the same breach twice. Returns 1 when announced, 0 when it already had been.
 */
const ANNOUNCE_BREACH = new LuaScript('announceBreach', `
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'at', ARGV[2], 'e', ARGV[4])
return 1
`);

/** Markers outlive any incident that is still open and watched; an incident open longer than this and breached
 *  again would be announced again, which for an incident a week old is news. */
const MARKER_TTL_MS = 7 * 24 * 3_600_000;

export class TargetsRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly live: LiveRepository,
    private readonly ks: Keyspace,
    private readonly eventsMaxLen: number,
  ) {}

  private markerKey(incidentId: string, target: TargetKind): string {
    return this.ks.targets.breached(incidentId, target);
  }

  /** True when this call announced the breach; false when it had been announced before. */
  async announceBreach(breach: { incidentId: string; target: TargetKind; targetMs: number; at: number }, now: number): Promise<boolean> {
    const event: DomainEvent = { type: 'incident:breached', ...breach };
    const r = await ANNOUNCE_BREACH.run(this.redis, [this.markerKey(breach.incidentId, breach.target), this.live.keys.events], [
      MARKER_TTL_MS, now, this.eventsMaxLen, JSON.stringify(event),
    ]);
    return r === 1;
  }
}
