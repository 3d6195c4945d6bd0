// Each position is applied once per deployment, whatever the node count (issue 12). Every node still hears every
// position message (the pub/sub contract of the ingest stays as it is), but applies only the units of the shards
// it holds: a unit's shard is a hash of its id, and the POSITION_SHARDS shards are leased, each node holding its
// fair share (shard-lease.lua, every TICK_MS). What a node accepted it hands to its own screens and relays on the
// frames channel to every other node's (position-ingest.ts), so every screen still sees every unit.
//
// Faults: a node that stops gives its shards back at once; one that dies holds them until LEASE_TTL_MS lapses, and
// the others take them on their next turn — positions of those units are not applied meanwhile (at most
// LEASE_TTL_MS + TICK_MS; positions are latest-wins, the next report after that is applied). A node that joins
// gets its share as the others give back what is above theirs; the taker's next turn comes up to a tick later, so a
// node goes on applying a shard it gave back for HANDOVER_GRACE_MS: in that overlap both nodes may apply a report,
// and the apply script's latest-wins makes the second a no-op ("older"), which is neither relayed nor counted, so a
// report is never lost in a handover and still reaches screens once. A node whose last renewal is older than the TTL
// (cut off from Redis, or its event loop stalled) stops applying until it renews: by then another node holds
// those shards for longer than any grace.
import type { FastifyBaseLogger } from 'fastify';
import type { IngestRepository } from './ingest-repository.js';

export const POSITION_SHARDS = 16;
export const LEASE_TTL_MS = 3_000;
/** Often, so a shard given back to a node that joined is taken within a quarter second: its units' reports are
 *  applied by neither node meanwhile. The turn is one short script. */
export const TICK_MS = 250;
/** How long a node still applies a shard it gave back: a few of the taker's turns, late under load. */
export const HANDOVER_GRACE_MS = 4 * TICK_MS;

/** FNV-1a of the unit id: stable across nodes and restarts, spread evenly over the shards. */
export function shardOf(unitId: string, shards = POSITION_SHARDS): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < unitId.length; i++) {
    h ^= unitId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

export class PositionShards {
  private readonly held = new Uint8Array(POSITION_SHARDS);
  /** Until when a shard given back is still applied here (HANDOVER_GRACE_MS after the turn that gave it back). */
  private readonly graceUntil = new Float64Array(POSITION_SHARDS);
  private count = 0;
  /** When the last successful turn began: the leases it renewed run LEASE_TTL_MS from about then. */
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly ingest: IngestRepository,
    /** This process's own token (NodeIdentity): two processes under one NODE_ID still hold shards apart. */
    private readonly token: string,
    private readonly log: FastifyBaseLogger,
    private readonly onCount: (held: number) => void = () => undefined,
  ) {}

  /** Takes this node's first share before it returns, so a starting node applies from its first message. */
  async start(): Promise<void> {
    await this.turn().catch((err: unknown) => this.trouble(err));
    this.timer = setInterval(() => void this.turn().catch((err: unknown) => this.trouble(err)), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.held.fill(0);
    this.graceUntil.fill(0);
    this.count = 0;
    await this.ingest.turnShardLease(POSITION_SHARDS, this.token, Date.now(), LEASE_TTL_MS, true).catch(() => undefined);
  }

  /** Whether this node applies the unit's positions: 'held' (a shard it holds), 'handed-over' (one it gave back
   *  within the grace: its "older" answers are then the new holder's report applied first, not a stale report to
   *  count) or false. */
  applies(unitId: string, now = Date.now()): 'held' | 'handed-over' | false {
    const s = shardOf(unitId);
    if (this.held[s] === 1 && this.fresh(now)) return 'held';
    return now < this.graceUntil[s]! ? 'handed-over' : false;
  }

  owns(unitId: string, now = Date.now()): boolean {
    return this.applies(unitId, now) !== false;
  }

  inGrace(unitId: string, now = Date.now()): boolean {
    return this.applies(unitId, now) === 'handed-over';
  }

  /** One node speaks for what belongs to no unit (a message refused whole): the holder of shard 0. */
  get speaksForMessages(): boolean {
    return this.held[0] === 1 && this.fresh(Date.now());
  }

  /** The leases were renewed recently enough to be this node's still (a margin for the clocks of node and Redis). */
  private fresh(now: number): boolean {
    return now - this.renewedAt < LEASE_TTL_MS - 250;
  }

  get heldCount(): number {
    return this.count;
  }

  async turn(now = Date.now()): Promise<void> {
    const shards = await this.ingest.turnShardLease(POSITION_SHARDS, this.token, now, LEASE_TTL_MS, false);
    this.renewedAt = now;
    const before = this.held.slice();
    this.held.fill(0);
    for (const s of shards) if (s >= 0 && s < POSITION_SHARDS) this.held[s] = 1;
    for (let s = 0; s < POSITION_SHARDS; s++) if (before[s] === 1 && this.held[s] === 0) this.graceUntil[s] = now + HANDOVER_GRACE_MS;
    if (shards.length !== this.count) this.log.info({ shards: [...shards].sort((a, b) => a - b) }, `position shards held: ${shards.length} of ${POSITION_SHARDS}`);
    this.count = shards.length;
    this.onCount(this.count);
    if (this.failing) this.log.info('position shard leases renewed again');
    this.failing = false;
  }

  private trouble(err: unknown): void {
    // What is held stays held until its lease lapses elsewhere: applying on meanwhile writes only what the next
    // holder would (latest wins).
    if (!this.failing) this.log.warn({ err: (err as Error).message }, 'position shard leases not renewed (Redis unreachable?)');
    this.failing = true;
  }
}
