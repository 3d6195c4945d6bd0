// Announces missed response targets. One node at a time watches (a lease, like live housekeeping); the marker
// in the announcing script makes a handover between nodes harmless too.
import { missedTargets, type Incident, type TargetsByPriority } from '@ccr/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import { RetryBackoff } from '../../plugins/retry-backoff.js';
import type { LiveRepository } from '../live/live-repository.js';
import type { TargetsRepository } from './targets-repository.js';

const PAGE = 1_000;

export class BreachWatcher {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** Breaches this node knows are announced ("id:target"), so it does not ask Redis again every second. */
  private readonly known = new Set<string>();
  private readonly trouble: RetryBackoff;

  constructor(
    private readonly live: LiveRepository,
    private readonly repo: TargetsRepository,
    private readonly opts: { nodeId: string; targets: TargetsByPriority; intervalMs: number },
    private readonly breaches: Counter<'target' | 'priority'>,
    private readonly log: FastifyBaseLogger,
  ) {
    this.trouble = new RetryBackoff('breach-watcher', log);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(Date.now()), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(now: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!(await this.live.holdLease('breach-watch', this.opts.nodeId, Math.max(3 * this.opts.intervalMs, 3_000)))) {
        this.known.clear(); // another node watches; what it announces is not tracked here
        return;
      }
      const open = await this.openIncidents();
      const stillOpen = new Set<string>();
      for (const incident of open) {
        for (const miss of missedTargets(incident, this.opts.targets, now)) {
          const key = `${incident.id}:${miss.target}`;
          stillOpen.add(key);
          if (this.known.has(key)) continue;
          const announced = await this.repo.announceBreach({ incidentId: incident.id, ...miss }, now);
          this.known.add(key);
          if (announced) {
            this.breaches.inc({ target: miss.target, priority: String(incident.priority) });
            this.log.info({ incidentId: incident.id, target: miss.target, targetMs: miss.targetMs }, 'response target missed');
          }
        }
      }
      for (const key of this.known) if (!stillOpen.has(key)) this.known.delete(key);
      this.trouble.succeeded();
    } catch (err) {
      this.trouble.note(err); // the interval is the retry
    } finally {
      this.busy = false;
    }
  }

  private async openIncidents(): Promise<Incident[]> {
    const all: Incident[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const { total, incidents } = await this.live.listIncidents({ openOnly: true, limit: PAGE, offset });
      all.push(...incidents);
      if (offset + PAGE >= total || incidents.length === 0) return all;
    }
  }
}
