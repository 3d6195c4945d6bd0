// The ingest contract's Redis keys (external and stable: producers depend on them), and the server's own
// bookkeeping beside them (the refused sample, node presence).
import { compareSeq } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import { HOLD_PRESENCE, READ_SCREENED, REFUSE_ENTRY, RELEASE_PRESENCE, SHARD_LEASE } from './ingest-scripts.js';

type RawEntry = [id: string, fields: string[] | null];

/** One stream entry as the server sees it after screening (READ_SCREENED). */
export interface IngestEntry {
  id: string;
  /** ok: `data` is the data field; too_large / no_data: `data` is a prefix, for the sample; gone: deleted. */
  status: 'ok' | 'too_large' | 'no_data' | 'gone';
  data: string;
  /** Bytes of all the entry's fields. */
  size: number;
}

export interface ScreenLimits {
  /** An entry whose fields add up to more is refused without being transferred. */
  maxBytes: number;
  /** Bytes of a refused entry kept in the sample. */
  sampleBytes: number;
  /** Bytes one read may go through (bounds the script's time and memory). */
  budgetBytes: number;
}

export interface TrimLimits { keepEntries: number; keepBytes: number; keepMs: number }

/** Screens an entry read whole (the blocking read) by the same rules as READ_SCREENED. */
function screenRaw([id, flat]: RawEntry, limits: ScreenLimits): IngestEntry {
  if (!flat) return { id, status: 'gone', data: '', size: 0 };
  let size = 0;
  let data: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    size += Buffer.byteLength(flat[i]!) + Buffer.byteLength(flat[i + 1]!);
    if (flat[i] === 'data') data = flat[i + 1];
  }
  const sample = (s: string): string => Buffer.from(s).subarray(0, limits.sampleBytes).toString();
  if (size > limits.maxBytes) return { id, status: 'too_large', data: sample(data ?? flat[1] ?? ''), size };
  if (data === undefined) return { id, status: 'no_data', data: sample(flat.join(' ')), size };
  return { id, status: 'ok', data, size };
}

function groupInfo(flat: unknown[]): Map<string, unknown> {
  const info = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
  return info;
}

export class IngestRepository {
  readonly positionsChannel: string;
  /** Positions a node applied, relayed to every other node's screens (position-shards.ts). */
  readonly framesChannel: string;
  readonly incidentsStream: string;
  readonly rejectedStream: string;
  readonly group = 'ccr-server';

  constructor(private readonly redis: RedisClient, private readonly ks: Keyspace) {
    this.positionsChannel = ks.ingest.positions;
    this.framesChannel = ks.ingest.frames;
    this.incidentsStream = ks.ingest.incidents;
    this.rejectedStream = ks.ingest.rejected;
  }

  /** The key saying which process runs under a NODE_ID (not part of the ingest contract). */
  presenceKey(nodeId: string): string { return this.ks.ingest.node(nodeId); }

  /** Create the consumer group at the stream's beginning, so incidents added before any server ran count too. */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.sendCommand(['XGROUP', 'CREATE', this.incidentsStream, this.group, '0', 'MKSTREAM']);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
  }

  /**
   * Reads entries screened inside Redis (READ_SCREENED): 'new' ones, this consumer's own 'pending' ones after
   * `cursor`, or 'claim'ed ones idle for `minIdleMs` from `cursor` on. Returns the cursor to continue from.
   */
  async readScreened(
    consumer: string, mode: 'new' | 'pending' | 'claim', cursor: string, count: number, limits: ScreenLimits, minIdleMs = 0,
  ): Promise<{ cursor: string; entries: IngestEntry[] }> {
    const [next, rows] = (await READ_SCREENED.run(this.redis, [this.incidentsStream], [
      this.group, consumer, mode, cursor, count, limits.maxBytes, limits.sampleBytes, limits.budgetBytes, minIdleMs,
    ])) as [string, [string, IngestEntry['status'], string, number][]];
    return { cursor: next, entries: rows.map(([id, status, data, size]) => ({ id, status, data, size })) };
  }

  /**
   * Waits (on a dedicated connection) up to `blockMs` for one new entry. Only this read transfers an entry whole,
   * one at a time, when the stream was idle; while entries keep coming, readScreened takes them.
   */
  async waitForNew(conn: RedisClient, consumer: string, blockMs: number, limits: ScreenLimits): Promise<IngestEntry[]> {
    const reply = (await conn.sendCommand([
      'XREADGROUP', 'GROUP', this.group, consumer, 'COUNT', '1', 'BLOCK', String(blockMs), 'STREAMS', this.incidentsStream, '>',
    ])) as [string, RawEntry[]][] | null;
    return reply?.[0]?.[1].map((e) => screenRaw(e, limits)) ?? [];
  }

  async ack(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.sendCommand(['XACK', this.incidentsStream, this.group, ...ids]);
  }

  /** Keeps a refused entry (its reason and a prefix of its data) in the capped sample, acknowledges and deletes it. */
  async refuse(entry: { id: string; data: string; reason: string; detail: string }, sample: { maxLen: number; dataBytes: number }, now: number): Promise<void> {
    const data = Buffer.from(entry.data).subarray(0, sample.dataBytes).toString();
    await REFUSE_ENTRY.run(this.redis, [this.incidentsStream, this.rejectedStream], [
      this.group, entry.id, sample.maxLen, entry.id, entry.reason, entry.detail.slice(0, 300), data, now,
    ]);
  }

  /**
   * Drops acknowledged entries beyond `keepEntries`, beyond about `keepBytes` of stream, or older than `keepMs`;
   * never one that is still pending or not yet delivered to every group. Approximate (whole stream nodes): the
   * stream may keep up to one node (100 entries) more. Returns the stream's length and memory afterwards.
   */
  async trimAcknowledged(now: number, keep: TrimLimits): Promise<{ entries: number; bytes: number }> {
    const key = this.incidentsStream;
    const groups = (await this.redis.sendCommand(['XINFO', 'GROUPS', key])) as unknown[][];
    if (groups.length > 0) {
      // Entries below `safe` were delivered to every group and are pending in none.
      let safe: string | undefined;
      for (const g of groups) {
        const info = groupInfo(g);
        let floor = String(info.get('last-delivered-id') ?? '0-0');
        const pending = (await this.redis.sendCommand(['XPENDING', key, String(info.get('name'))])) as [number, string | null, ...unknown[]];
        if (pending[0] > 0 && pending[1] && compareSeq(pending[1], floor) < 0) floor = pending[1];
        if (safe === undefined || compareSeq(floor, safe) < 0) safe = floor;
      }
      const byAge = `${Math.max(0, now - keep.keepMs)}-0`;
      await this.redis.sendCommand(['XTRIM', key, 'MINID', '~', compareSeq(byAge, safe!) < 0 ? byAge : safe!]);
      const len = Number(await this.redis.sendCommand(['XLEN', key]));
      if (len > keep.keepEntries) {
        await this.redis.sendCommand(['XTRIM', key, 'MINID', '~', safe!, 'LIMIT', String(len - keep.keepEntries)]);
      }
      const [left, bytes] = await this.streamSize();
      if (bytes > keep.keepBytes && left > 0) {
        const excess = Math.ceil(left * (1 - keep.keepBytes / bytes));
        if (excess > 0) await this.redis.sendCommand(['XTRIM', key, 'MINID', '~', safe!, 'LIMIT', String(excess)]);
      }
    }
    const [entries, bytes] = await this.streamSize();
    return { entries, bytes };
  }

  private async streamSize(): Promise<[entries: number, bytes: number]> {
    const [len, bytes] = (await Promise.all([
      this.redis.sendCommand(['XLEN', this.incidentsStream]),
      this.redis.sendCommand(['MEMORY', 'USAGE', this.incidentsStream]),
    ])) as unknown as [number, number | null];
    return [Number(len), Number(bytes ?? 0)];
  }

  /** Consumers with nothing pending and idle longer than `idleMs` (names of nodes gone for good). */
  async dropIdleConsumers(idleMs: number): Promise<number> {
    const consumers = (await this.redis.sendCommand(['XINFO', 'CONSUMERS', this.incidentsStream, this.group])) as unknown[][];
    let dropped = 0;
    for (const c of consumers) {
      const info = groupInfo(c);
      if (Number(info.get('pending')) === 0 && Number(info.get('idle')) > idleMs) {
        await this.redis.sendCommand(['XGROUP', 'DELCONSUMER', this.incidentsStream, this.group, String(info.get('name'))]);
        dropped++;
      }
    }
    return dropped;
  }

  /** 1: renewed, 2: was free and is now held by `token`, 0: another process holds it. */
  async holdPresence(nodeId: string, token: string, ttlMs: number): Promise<0 | 1 | 2> {
    return (await HOLD_PRESENCE.run(this.redis, [this.presenceKey(nodeId)], [token, ttlMs])) as 0 | 1 | 2;
  }

  async releasePresence(nodeId: string, token: string): Promise<void> {
    await RELEASE_PRESENCE.run(this.redis, [this.presenceKey(nodeId)], [token]);
  }

  /** One node's turn at the position shard leases (shard-lease.lua); the shards it holds after it. */
  async turnShardLease(shards: number, token: string, now: number, ttlMs: number, release: boolean): Promise<number[]> {
    const keys = [this.ks.ingest.nodes, ...Array.from({ length: shards }, (_, i) => this.ks.ingest.shard(i))];
    const out = await SHARD_LEASE.run(this.redis, keys, [token, now, ttlMs, release ? '1' : '0']);
    return Array.isArray(out) ? out.map(Number) : [];
  }

  async publishFrames(json: string): Promise<void> {
    await this.redis.publish(this.framesChannel, json);
  }

  async publishPositions(json: string): Promise<void> {
    await this.redis.publish(this.positionsChannel, json);
  }

  async addIncident(json: string): Promise<string> {
    return (await this.redis.sendCommand(['XADD', this.incidentsStream, '*', 'data', json])) as string;
  }
}
