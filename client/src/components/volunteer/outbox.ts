// The volunteer phone's outbox and notice list, pure so they are tested without a socket. A report (clue, sighting,
// 护学岗 check-in, acknowledgement) is queued with its command id the moment it is made and kept in localStorage;
// the queue is sent in order, once per item, whenever the phone is connected. The server applies a command id once
// (a resend after a lost answer replays the first answer), so an item is dropped only on the server's answer: done,
// or refused for good. A failure that says nothing reached the server (timeout, unavailable) keeps it and stops the
// flush there, so later reports never overtake earlier ones.
import type { SearchNotice } from '@ccr/shared';

export type OutboxKind = 'clue' | 'sighting' | 'checkin' | 'ack';
/** The socket event each kind is sent as. */
export const OUTBOX_EVENTS: Record<OutboxKind, 'clue:report' | 'search:sighting' | 'guard:check-in' | 'search:acknowledge'> = {
  clue: 'clue:report', sighting: 'search:sighting', checkin: 'guard:check-in', ack: 'search:acknowledge',
};

export interface OutboxItem {
  kind: OutboxKind;
  /** The command id (also the item's key); an acknowledgement's is `ack:<searchId>`. */
  id: string;
  payload: Record<string, unknown>;
  queuedAt: number;
}

/** What the server answered to one send: done, refused for good (with the code), or not reached (keep it). */
export type SendResult = { ok: true } | { ok: false; code: string; message?: string; retry: boolean };

export interface FlushOutcome {
  sent: OutboxItem[];
  refused: { item: OutboxItem; code: string; message?: string }[];
  left: OutboxItem[];
}

export const OUTBOX_MAX = 200;

/** Adds an item unless one with its id is queued already (a double tap). The oldest fall off past OUTBOX_MAX. */
export function enqueue(list: readonly OutboxItem[], item: OutboxItem): OutboxItem[] {
  if (list.some((i) => i.id === item.id)) return [...list];
  const next = [...list, item];
  return next.length > OUTBOX_MAX ? next.slice(next.length - OUTBOX_MAX) : next;
}

/** Sends the queue in order; stops at the first item the server was not reached for. */
export async function flushOutbox(list: readonly OutboxItem[], send: (item: OutboxItem) => Promise<SendResult>): Promise<FlushOutcome> {
  const out: FlushOutcome = { sent: [], refused: [], left: [] };
  for (let k = 0; k < list.length; k++) {
    const item = list[k]!;
    const res = await send(item);
    if (res.ok) out.sent.push(item);
    else if (res.retry) { out.left = list.slice(k); break; }
    else out.refused.push({ item, code: res.code, ...(res.message ? { message: res.message } : {}) });
  }
  return out;
}

/** Refusals that mean "not now, the server could not act": the item is kept and sent again. */
export const RETRY_CODES: ReadonlySet<string> = new Set(['unavailable', 'timeout', 'network']);

/** Reads a stored outbox, keeping only well-formed items. */
export function parseOutbox(raw: string | null): OutboxItem[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (!Array.isArray(v)) return [];
    return v.filter((i): i is OutboxItem => {
      const o = i as OutboxItem;
      return !!o && typeof o.id === 'string' && typeof o.queuedAt === 'number' && typeof o.payload === 'object' && o.payload !== null && o.kind in OUTBOX_EVENTS;
    });
  } catch {
    return [];
  }
}

export interface NoticeView extends SearchNotice {
  /** The phone acknowledged it (or queued the acknowledgement). */
  acknowledged: boolean;
}

/**
 * One card per search, newest first: a later notice of a search (found, cancelled) replaces the earlier one; a
 * notice never goes back from ended to active (a resend of the old one arriving late).
 */
export function mergeNotice(list: readonly NoticeView[], n: SearchNotice): NoticeView[] {
  const prev = list.find((x) => x.searchId === n.searchId);
  if (prev && prev.status !== 'active' && n.status === 'active') return [...list];
  const acknowledged = prev ? prev.acknowledged && prev.status === n.status : false;
  const next = [{ ...n, acknowledged }, ...list.filter((x) => x.searchId !== n.searchId)];
  return next.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || b.issuedAt - a.issuedAt);
}

/** A notice from the socket, checked (the phone never trusts a cast): the fields the card shows are there. */
export function isSearchNotice(v: unknown): v is SearchNotice {
  const n = v as SearchNotice;
  return !!n && typeof n.searchId === 'string' && typeof n.noticeId === 'string' && typeof n.description === 'string'
    && typeof n.lng === 'number' && typeof n.lat === 'number' && typeof n.radiusM === 'number' && typeof n.issuedAt === 'number'
    && (n.status === 'active' || n.status === 'found' || n.status === 'cancelled');
}
