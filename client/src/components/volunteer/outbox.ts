// The volunteer phone's outbox, pure so they are tested without a socket. A report (clue, sighting,
// 护学岗 check-in, acknowledgement) is queued with its command id the moment it is made and kept in localStorage;
// the queue is sent in order, once per item, whenever the phone is connected. The server applies a command id once
// (a resend after a lost answer replays the first answer), so an item is dropped only on the server's answer: done,
// or refused for good. A failure that says nothing reached the server (timeout, unavailable) keeps it and stops the
// flush there, so later reports never overtake earlier ones. The search notices and what is queued for them are
// the unit terminal's too (components/search/searches.ts).
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
