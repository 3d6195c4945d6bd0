// 群防群治 in Redis: clues, broadcast searches and their terminal notices, volunteers' last positions, school-gate
// check-ins, public-clue limits and command records. The only file that speaks these keys; every change goes
// through one compare-and-set commit of a packed plan (plugins/plan-commit.ts), read back
// values are checked against the shared schemas.
import { createHash } from 'node:crypto';
import {
  ClueSchema, SearchNoticeSchema, SearchSchema, clueCountField, compileChecker, normaliseClueText,
  type Clue, type Search, type SearchNotice,
} from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import type { LiveRepository } from '../live/live-repository.js';
import { PackedPlan, type CommitOutcome } from '../../plugins/plan-commit.js';
import { Inbox } from '../delivery/inbox.js';

const checkClue = compileChecker(ClueSchema);
const checkSearch = compileChecker(SearchSchema);

/** How long a command id is remembered, and an unacknowledged search notice kept. */
export const VOLUNTEER_COMMAND_TTL_MS = 7 * 24 * 3_600_000;
/** A volunteer's reported position counts for a broadcast's radius this long. */
export const HERE_FRESH_MS = 30 * 60_000;

export interface Read<T> { raw: string; value: T }

export interface VolunteerWrite {
  now: number;
  command?: { id: string; bodyHash: string };
  clue?: { before: Read<Clue> | null; after: Clue };
  search?: { before: Read<Search> | null; after: Search };
  notices?: SearchNotice[];
  guard?: { day: string; teamId: string; window: string; at: number; by: string };
  result: string;
}

export type { CommitOutcome } from '../../plugins/plan-commit.js';

export class VolunteersRepository {
  readonly inbox: Inbox<typeof SearchNoticeSchema>;
  readonly keys: { cluesAll: string; cluesOpen: string; clueCounts: string; searchesActive: string; here: string };

  private readonly v: Keyspace['volunteers'];

  constructor(private readonly redis: RedisClient, private readonly live: LiveRepository, ks: Keyspace, private readonly eventsMaxLen: number) {
    const v = ks.volunteers;
    this.v = v;
    this.keys = { cluesAll: v.cluesAll, cluesOpen: v.cluesOpen, clueCounts: v.clueCounts, searchesActive: v.searchesActive, here: v.here };
    this.inbox = new Inbox(redis, { box: (r) => v.inboxBox(r), pending: v.inboxPending, channel: v.inboxChannel },
      SearchNoticeSchema, VOLUNTEER_COMMAND_TTL_MS, (n) => n.recipient);
  }

  private clueKey(id: string): string { return this.v.clue(id); }
  private searchKey(id: string): string { return this.v.search(id); }
  private commandKey(id: string): string { return this.v.command(id); }
  private guardKey(day: string): string { return this.v.guard(day); }

  /** Next id of a kind for a local day: XS-20261204-0001 (clues), XC-… (searches). */
  async nextId(kind: 'XS' | 'XC', day: string): Promise<string> {
    const key = this.v.seq(kind, day);
    const [n] = (await this.redis.multi().incr(key).pExpire(key, 3 * 86_400_000).exec()) as unknown as [number];
    return `${kind}-${day.replaceAll('-', '')}-${String(n).padStart(4, '0')}`;
  }

  async readCommand(id: string): Promise<{ bodyHash: string; result: string } | null> {
    const [h, r] = await this.redis.hmGet(this.commandKey(id), ['h', 'r']);
    return h && r ? { bodyHash: h, result: r } : null;
  }

  private parse<T>(what: string, id: string, raw: string, checker: { validate(v: unknown): { ok: true; value: T } | { ok: false; errors: string[] } }): T {
    const checked = checker.validate(JSON.parse(raw));
    if (!checked.ok) throw new Error(`stored ${what} ${id} does not match its schema: ${checked.errors.join('; ')}`);
    return checked.value;
  }

  async readClue(id: string): Promise<Read<Clue> | null> {
    const raw = await this.redis.get(this.clueKey(id));
    return raw ? { raw, value: this.parse('clue', id, raw, checkClue) } : null;
  }

  async readSearch(id: string): Promise<Read<Search> | null> {
    const raw = await this.redis.get(this.searchKey(id));
    return raw ? { raw, value: this.parse('search', id, raw, checkSearch) } : null;
  }

  private async readMany<T>(ids: readonly string[], key: (id: string) => string, what: string, checker: Parameters<VolunteersRepository['parse']>[3]): Promise<T[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mGet(ids.map(key));
    return raws.flatMap((raw, i) => (raw ? [this.parse(what, ids[i]!, raw, checker) as T] : []));
  }

  /** Open clues, newest first. */
  async openClues(limit: number): Promise<{ total: number; items: Clue[] }> {
    const [total, ids] = (await this.redis.multi().zCard(this.keys.cluesOpen).zRange(this.keys.cluesOpen, 0, limit - 1, { REV: true }).exec()) as unknown as [number, string[]];
    return { total: Number(total), items: await this.readMany<Clue>(ids, (id) => this.clueKey(id), 'clue', checkClue) };
  }

  /** Clues received in [from, to), oldest first (a recount reads them all). */
  async cluesBetween(from: number, to: number, limit: number): Promise<Clue[]> {
    const ids = await this.redis.zRangeByScore(this.keys.cluesAll, from, `(${to}`, { LIMIT: { offset: 0, count: limit } });
    return this.readMany<Clue>(ids, (id) => this.clueKey(id), 'clue', checkClue);
  }

  async clueCounts(): Promise<Record<string, number>> {
    const h = await this.redis.hGetAll(this.keys.clueCounts);
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]).filter(([, v]) => v !== 0));
  }

  async activeSearches(limit: number): Promise<Search[]> {
    const ids = await this.redis.zRange(this.keys.searchesActive, 0, limit - 1, { REV: true });
    return this.readMany<Search>(ids, (id) => this.searchKey(id), 'search', checkSearch);
  }

  // --- volunteers' positions and school-gate check-ins --------------------------------------------------------

  async saveHere(volunteerId: string, lng: number, lat: number, at: number): Promise<void> {
    await this.redis.hSet(this.keys.here, volunteerId, `${lng},${lat},${at}`);
  }

  /** Positions reported within HERE_FRESH_MS. */
  async freshHere(now: number): Promise<Map<string, [number, number]>> {
    const out = new Map<string, [number, number]>();
    for (const [id, v] of Object.entries(await this.redis.hGetAll(this.keys.here))) {
      const [lng, lat, at] = v.split(',').map(Number);
      if (Number.isFinite(lng) && Number.isFinite(lat) && Number.isFinite(at) && now - at! <= HERE_FRESH_MS) out.set(id, [lng!, lat!]);
    }
    return out;
  }

  async guardCheckIns(day: string): Promise<Map<string, { at: number; by: string }>> {
    const out = new Map<string, { at: number; by: string }>();
    for (const [field, v] of Object.entries(await this.redis.hGetAll(this.guardKey(day)))) {
      const [at, ...by] = v.split('|');
      if (Number.isFinite(Number(at))) out.set(field, { at: Number(at), by: by.join('|') });
    }
    return out;
  }

  // --- public clue limits -----------------------------------------------------------------------------------

  /** Counts one public clue against its limits and answers the first one exceeded, or null. The same text (after
   *  normalising) within the window is refused as a duplicate whoever sends it — except the same command sent again
   *  (`commandId`): its first try may have claimed the text and then failed before its clue was stored. */
  async publicLimit(ip: string, phone: string | undefined, text: string, now: number, limits: { perAddressPerHour: number; perPhonePerDay: number; duplicateWindowMs: number }, commandId?: string): Promise<'address' | 'phone' | 'duplicate' | null> {
    const hour = Math.floor(now / 3_600_000);
    const day = Math.floor(now / 86_400_000);
    const ipKey = this.v.publicByAddress(ip, hour);
    // The number itself is never stored: its hash (+86 or not, the same number) keys the count.
    const phoneKey = this.v.publicByPhone(createHash('sha256').update(`ccr-phone:${(phone ?? '').replace(/^\+?86/, '')}`).digest('hex').slice(0, 32), day);
    const textKey = this.v.publicText(createHash('sha256').update(normaliseClueText(text)).digest('hex').slice(0, 32));
    const m = this.redis.multi().incr(ipKey).pExpire(ipKey, 3_600_000);
    if (phone) m.incr(phoneKey).pExpire(phoneKey, 86_400_000);
    const r = (await m.exec()) as unknown as number[];
    if (Number(r[0]) > limits.perAddressPerHour) return 'address';
    if (phone && Number(r[2]) > limits.perPhonePerDay) return 'phone';
    const claim = commandId ? `c:${commandId}` : '1';
    const fresh = await this.redis.set(textKey, claim, { NX: true, PX: limits.duplicateWindowMs });
    if (fresh !== null) return null;
    return commandId && (await this.redis.get(textKey)) === claim ? null : 'duplicate';
  }

  // --- the one commit -----------------------------------------------------------------------------------------

  async commit(w: VolunteerWrite): Promise<CommitOutcome> {
    const plan = new PackedPlan(this.live.keys.events, this.commandKey(w.command?.id ?? '-'), {
      command: w.command, now: w.now, eventsMaxLen: this.eventsMaxLen, commandTtlMs: VOLUNTEER_COMMAND_TTL_MS, result: w.result,
    });
    const b = plan;
    if (w.clue) {
      const { before, after } = w.clue;
      const json = JSON.stringify(after);
      b.expect.push([plan.at(this.clueKey(after.id)), before?.raw ?? '']);
      b.set.push([plan.at(this.clueKey(after.id)), json]);
      b.zadd.push([plan.at(this.keys.cluesAll), String(after.receivedAt), after.id]);
      if (after.status === 'open') b.zadd.push([plan.at(this.keys.cluesOpen), String(after.receivedAt), after.id]);
      else b.zrem.push([plan.at(this.keys.cluesOpen), after.id]);
      // Counted at write time: the field of the state left goes down, the one entered up (equal to a recount).
      const to = clueCountField(after);
      const from = before ? clueCountField(before.value) : null;
      if (from !== to) {
        if (from) b.hincr.push([plan.at(this.keys.clueCounts), from, '-1']);
        b.hincr.push([plan.at(this.keys.clueCounts), to, '1']);
      }
      b.events.push(`{"type":"clue:changed","clue":${json}}`);
    }
    if (w.search) {
      const { before, after } = w.search;
      const json = JSON.stringify(after);
      b.expect.push([plan.at(this.searchKey(after.id)), before?.raw ?? '']);
      b.set.push([plan.at(this.searchKey(after.id)), json]);
      if (after.status === 'active') b.zadd.push([plan.at(this.keys.searchesActive), String(after.startedAt), after.id]);
      else b.zrem.push([plan.at(this.keys.searchesActive), after.id]);
      b.events.push(`{"type":"search:changed","search":${json}}`);
    }
    for (const n of w.notices ?? []) this.inbox.writeInto(plan, n);
    if (w.guard) {
      const g = w.guard;
      b.hset.push([plan.at(this.guardKey(g.day)), `${g.teamId}|${g.window}`, `${g.at}|${g.by}`]);
      b.pexpire.push([plan.at(this.guardKey(g.day)), String(3 * 86_400_000)]);
      b.events.push(JSON.stringify({ type: 'guard:checked-in', teamId: g.teamId, window: g.window, at: g.at, by: g.by }));
    }
    return plan.commit(this.redis);
  }
}
