// Which consumer name this process reads the incident stream under.
//
// The name is NODE_ID, stable across restarts, so a restarted node re-reads its own unacknowledged entries at
// once instead of waiting for another node's idle claim. Two live processes under one name would read each
// other's pending entries at the same time, so a process holds its NODE_ID through a presence key (a random
// token, renewed every ttl/3, gone ttl after the process stops renewing). A process that finds the name held by
// another reads under `NODE_ID~<token>` instead and says so loudly; it takes the name over as soon as the
// presence lapses (the other process died: its pending entries are then this process's own backlog). Starting
// never waits and never fails, so a node restarted right after a crash starts at once; its predecessor's
// entries follow within `ttlMs`. Leases are guarded separately (LiveRepository.holdLease names the process).
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestRepository } from './ingest-repository.js';

export const PRESENCE_TTL_MS = 5_000;

export class NodeIdentity {
  readonly token = randomUUID();
  private holds = false;
  private started = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ingest: IngestRepository,
    readonly nodeId: string,
    private readonly log: FastifyBaseLogger,
    /** Told when the consumer name changes (the new name's pending entries are then to be read). */
    private readonly onChange: () => void,
    private readonly ttlMs = PRESENCE_TTL_MS,
  ) {}

  get consumer(): string {
    return this.holds ? this.nodeId : `${this.nodeId}~${this.token.slice(0, 8)}`;
  }

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew().catch((err: unknown) => {
      this.log.debug({ err: (err as Error).message }, 'node presence not renewed (Redis unreachable?)');
    }), Math.max(200, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  async renew(): Promise<void> {
    const r = await this.ingest.holdPresence(this.nodeId, this.token, this.ttlMs);
    const had = this.holds;
    const first = !this.started;
    this.started = true;
    this.holds = r !== 0;
    if (first && !this.holds) {
      this.log.error(
        { nodeId: this.nodeId, consumer: this.consumer },
        `NODE_ID "${this.nodeId}" is in use by another running server (or by one that stopped less than ${this.ttlMs / 1000} s ago); reading incidents as "${this.consumer}" until it is free. Give every node its own NODE_ID.`,
      );
    } else if (!first && !had && this.holds) {
      this.log.warn({ nodeId: this.nodeId }, `NODE_ID "${this.nodeId}" is free again: reading incidents under it, its unacknowledged entries first`);
    } else if (had && !this.holds) {
      this.log.error({ nodeId: this.nodeId, consumer: this.consumer }, `NODE_ID "${this.nodeId}" was taken by another process while this one did not renew it; reading incidents as "${this.consumer}"`);
    }
    if (!first && had !== this.holds) this.onChange();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.holds) await this.ingest.releasePresence(this.nodeId, this.token).catch(() => undefined);
    this.holds = false;
  }
}
