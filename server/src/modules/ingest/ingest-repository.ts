// The ingest contract's Redis keys (external and stable: producers depend on them).
import { compareSeq } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';

type RawEntry = [id: string, fields: string[]];
export interface IngestEntry { id: string; data: string | undefined }

const toEntry = ([id, flat]: RawEntry): IngestEntry => {
  let data: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === 'data') data = flat[i + 1];
  return { id, data };
};

export class IngestRepository {
  readonly positionsChannel: string;
  readonly incidentsStream: string;
  readonly rejectedStream: string;
  readonly group = 'ccr-server';

  constructor(private readonly redis: RedisClient, prefix: string) {
    this.positionsChannel = `${prefix}in:positions`;
    this.incidentsStream = `${prefix}in:incidents`;
    this.rejectedStream = `${prefix}in:incidents:rejected`;
  }

  /** Create the consumer group at the stream's beginning, so incidents added before any server ran count too. */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.sendCommand(['XGROUP', 'CREATE', this.incidentsStream, this.group, '0', 'MKSTREAM']);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
  }

  /** `id` '0' re-reads this consumer's unacknowledged entries; '>' reads new ones (blocking up to blockMs). */
  async readGroup(conn: RedisClient, consumer: string, id: '0' | '>', count: number, blockMs: number): Promise<IngestEntry[]> {
    const args = ['XREADGROUP', 'GROUP', this.group, consumer, 'COUNT', String(count)];
    if (id === '>') args.push('BLOCK', String(blockMs));
    args.push('STREAMS', this.incidentsStream, id);
    const reply = (await conn.sendCommand(args)) as [string, RawEntry[]][] | null;
    return reply?.[0]?.[1].map(toEntry) ?? [];
  }

  /** Take over entries another (dead) consumer read but never acknowledged. */
  async claimAbandoned(consumer: string, idleMs: number, count: number): Promise<IngestEntry[]> {
    const reply = (await this.redis.sendCommand([
      'XAUTOCLAIM', this.incidentsStream, this.group, consumer, String(idleMs), '0-0', 'COUNT', String(count),
    ])) as [string, (RawEntry | null)[], ...unknown[]];
    return reply[1].filter((e): e is RawEntry => Array.isArray(e)).map(toEntry);
  }

  async ack(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.sendCommand(['XACK', this.incidentsStream, this.group, ...ids]);
  }

  /** Keeps refused input (with its reason) for a person to look at, bounded. */
  async keepRejected(entry: { sourceId: string; data: string; reason: string; detail: string }, now: number): Promise<void> {
    await this.redis.sendCommand([
      'XADD', this.rejectedStream, 'MAXLEN', '~', '10000', '*',
      'source', entry.sourceId, 'reason', entry.reason, 'detail', entry.detail, 'data', entry.data.slice(0, 4096), 'at', String(now),
    ]);
  }

  /** Drops acknowledged entries older than `keepMs`; never one that is still pending or undelivered. */
  async trimAcknowledged(now: number, keepMs: number): Promise<void> {
    const groups = (await this.redis.sendCommand(['XINFO', 'GROUPS', this.incidentsStream])) as unknown[][];
    let floor = `${now - keepMs}-0`;
    for (const g of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
      const lastDelivered = String(info.get('last-delivered-id') ?? '0-0');
      if (compareSeq(lastDelivered, floor) < 0) floor = lastDelivered;
      const pending = (await this.redis.sendCommand(['XPENDING', this.incidentsStream, String(info.get('name'))])) as [number, string | null, ...unknown[]];
      if (pending[0] > 0 && pending[1] && compareSeq(pending[1], floor) < 0) floor = pending[1];
    }
    await this.redis.sendCommand(['XTRIM', this.incidentsStream, 'MINID', '~', floor]);
  }

  async publishPositions(json: string): Promise<void> {
    await this.redis.publish(this.positionsChannel, json);
  }

  async addIncident(json: string): Promise<string> {
    return (await this.redis.sendCommand(['XADD', this.incidentsStream, '*', 'data', json])) as string;
  }
}
