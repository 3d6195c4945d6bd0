// The append-only audit log: one Redis stream. Entries are never rewritten; old ones leave only by the retention
// trim (MINID on each append), so ids are times and a page cursor is a stream id.
import type { AuditEntry, AuditOutcome } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import type { AuditEntryInput } from '../auth/auth-contract.js';

export interface AuditFilter {
  from?: number;
  to?: number;
  user?: string;
  action?: string;
  target?: string;
  outcome?: AuditOutcome;
}

/** A filtered read stops after scanning this many entries and hands back a cursor, so one query stays bounded. */
const MAX_SCAN = 20_000;
const CHUNK = 500;

export class AuditRepository {
  readonly key: string;
  constructor(private readonly redis: RedisClient, ks: Keyspace) {
    this.key = ks.audit.log;
  }

  async append(entry: AuditEntryInput, now: number, retentionMs: number): Promise<string> {
    const fields: Record<string, string> = {
      user: entry.user, role: entry.role, action: entry.action, target: entry.target, outcome: entry.outcome,
    };
    if (entry.detail && Object.keys(entry.detail).length > 0) fields.detail = JSON.stringify(entry.detail);
    // '*': Redis's clock names the entry, so entries from nodes with skewed clocks still append in order.
    return this.redis.xAdd(this.key, '*', fields, {
      TRIM: { strategy: 'MINID', strategyModifier: '~', threshold: Math.max(0, now - retentionMs) },
    });
  }

  /** Newest first. `cursor` is the id of the last entry of the previous page (exclusive). */
  async query(filter: AuditFilter, limit: number, cursor: string | undefined): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
    let end = cursor ? `(${cursor}` : filter.to !== undefined ? `${filter.to}-18446744073709551615` : '+';
    const start = filter.from !== undefined ? `${filter.from}-0` : '-';
    const items: AuditEntry[] = [];
    let scanned = 0;
    let lastId: string | undefined;
    for (;;) {
      const chunk = await this.redis.xRevRange(this.key, end, start, { COUNT: CHUNK });
      for (const { id, message } of chunk) {
        lastId = id;
        scanned++;
        const entry = toEntry(id, message as Record<string, string>);
        if (matches(entry, filter)) {
          items.push(entry);
          if (items.length === limit) return { items, nextCursor: id };
        }
      }
      if (chunk.length < CHUNK || !lastId) return { items };
      if (scanned >= MAX_SCAN) return { items, nextCursor: lastId };
      end = `(${lastId}`;
    }
  }
}

function toEntry(id: string, m: Record<string, string>): AuditEntry {
  const entry: AuditEntry = {
    id, time: Number(id.split('-')[0]), user: m.user ?? '', role: m.role ?? '', action: m.action ?? '', target: m.target ?? '',
    outcome: (m.outcome ?? 'ok') as AuditOutcome,
  };
  if (m.detail) entry.detail = JSON.parse(m.detail) as Record<string, unknown>;
  return entry;
}

function matches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.user !== undefined && e.user !== f.user) return false;
  if (f.target !== undefined && e.target !== f.target) return false;
  if (f.outcome !== undefined && e.outcome !== f.outcome) return false;
  if (f.action !== undefined && !(f.action.endsWith('.') ? e.action.startsWith(f.action) : e.action === f.action)) return false;
  return true;
}
