// Broadcast searches (协查) on a phone, the same on a volunteer's (/m/volunteer, namespace /volunteer) and a unit's
// terminal (/m, namespace /device): both are told `search:issued` and answer with `search:acknowledge` and
// `search:sighting` (shared/src/volunteers.ts). This is what the two phones share: the notice list (one card per
// search, active first, an ended one kept as ended), what is queued for 收到 and 报告发现, and the event each queued
// item is sent as. Each store keeps its own outbox (its own storage and sending loop) and puts these items in it.
//
// The server tells an unacknowledged notice again every few seconds and on every reconnect, the end of a search
// (found, cancelled) too; so the list merges repeats, and an ended search is acknowledged at once, quietly (nobody
// has to answer it, and the acknowledgement stops the reminders).
import { shallowRef, computed, type ShallowRef, type ComputedRef } from 'vue';
import { SEARCH_KINDS, SEARCH_STATUSES, type SearchNotice, type SightingReport } from '@ccr/shared';
import { newCommandId } from '../dispatch/commands';

export interface NoticeView extends SearchNotice {
  /** The phone acknowledged it (or queued the acknowledgement). */
  acknowledged: boolean;
  /** Sightings this phone reported for it (queued or sent). */
  reported?: number;
}

/** Searches a phone keeps (active ones first, then the most recently ended). */
export const KEEP_SEARCHES = 20;

/**
 * One card per search, active first, newest first: a later notice of a search (found, cancelled) replaces the
 * earlier one; a notice never goes back from ended to active (a resend of the old one arriving late).
 */
export function mergeNotice(list: readonly NoticeView[], n: SearchNotice): NoticeView[] {
  const prev = list.find((x) => x.searchId === n.searchId);
  if (prev && prev.status !== 'active' && n.status === 'active') return [...list];
  const acknowledged = prev ? prev.acknowledged && prev.status === n.status : false;
  const next: NoticeView[] = [{ ...n, acknowledged, ...(prev?.reported ? { reported: prev.reported } : {}) }, ...list.filter((x) => x.searchId !== n.searchId)];
  return next.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || b.issuedAt - a.issuedAt).slice(0, KEEP_SEARCHES);
}

const KINDS: ReadonlySet<string> = new Set(SEARCH_KINDS);

/** A notice from the socket or storage, checked (the phone never trusts a cast): the fields the card shows are there. */
export function isSearchNotice(v: unknown): v is SearchNotice {
  const n = v as SearchNotice;
  return !!n && typeof n.searchId === 'string' && typeof n.noticeId === 'string' && typeof n.description === 'string'
    && typeof n.lng === 'number' && typeof n.lat === 'number' && typeof n.radiusM === 'number' && typeof n.issuedAt === 'number'
    && KINDS.has(n.kind) && (n.status === 'active' || n.status === 'found' || n.status === 'cancelled');
}

/** Stored notices read back, keeping the well-formed ones. */
export function parseNotices(v: unknown): NoticeView[] {
  if (!Array.isArray(v)) return [];
  return v.filter((n): n is NoticeView => isSearchNotice(n) && typeof (n as NoticeView).acknowledged === 'boolean'
    && ((n as NoticeView).reported === undefined || typeof (n as NoticeView).reported === 'number')).slice(0, KEEP_SEARCHES);
}

/** What a phone queues for a search: 收到, or 报告发现 with where the phone is. `id` is the item's key in the outbox
 *  (an acknowledgement's is `ack:<searchId>:<status>`, so a double tap queues it once) and a sighting's command id. */
export type SearchItem =
  /** `status`: of the notice acknowledged — a 收到 of the active search retried after 找到 must not take away the
   *  found notice (the server acknowledges only that status's notice). Missing in items stored by older builds. */
  | { kind: 'ack'; id: string; searchId: string; status?: SearchNotice['status'] }
  | { kind: 'sighting'; id: string; searchId: string; lng: number; lat: number; text: string };

export const ackItemId = (searchId: string, status: SearchNotice['status']): string => `ack:${searchId}:${status}`;

/** The event and payload a search item is sent as (the same on both namespaces). */
export function searchEmit(item: SearchItem): ['search:acknowledge', { searchId: string; status?: SearchNotice['status'] }] | ['search:sighting', SightingReport] {
  return item.kind === 'ack'
    ? ['search:acknowledge', item.status ? { searchId: item.searchId, status: item.status } : { searchId: item.searchId }]
    : ['search:sighting', { commandId: item.id, searchId: item.searchId, lng: item.lng, lat: item.lat, text: item.text }];
}

/** A well-formed stored search item (for an outbox read back from localStorage). */
export function isSearchItem(v: unknown): v is SearchItem {
  const i = v as SearchItem;
  if (!i || typeof i.id !== 'string' || typeof i.searchId !== 'string') return false;
  if (i.kind === 'ack') return i.status === undefined || (SEARCH_STATUSES as readonly string[]).includes(i.status);
  return i.kind === 'sighting' && typeof i.lng === 'number' && typeof i.lat === 'number' && typeof i.text === 'string';
}

export interface SearchNotices {
  notices: ShallowRef<NoticeView[]>;
  active: ComputedRef<NoticeView[]>;
  /** A `search:issued` as received (checked here). */
  receive(raw: unknown): void;
  /** 收到. */
  acknowledge(searchId: string): void;
  /** 报告发现 at `at` (acknowledging first when not yet); false without a position (nothing queued). */
  reportSighting(searchId: string, text: string, at: { lng: number; lat: number } | null): boolean;
  /** Forget every notice (another account on this phone). */
  clear(): void;
}

/** The notice list of a phone and its answers, put in the phone's outbox through `queue`. */
export function useSearchNotices(o: { initial?: NoticeView[]; queue: (item: SearchItem) => void }): SearchNotices {
  const notices = shallowRef<NoticeView[]>(o.initial ?? []);
  const active = computed(() => notices.value.filter((n) => n.status === 'active'));

  function update(searchId: string, change: (n: NoticeView) => NoticeView): void {
    notices.value = notices.value.map((n) => (n.searchId === searchId ? change(n) : n));
  }

  function receive(raw: unknown): void {
    if (!isSearchNotice(raw)) return;
    notices.value = mergeNotice(notices.value, raw);
    // An ended search needs no answer: acknowledging it stops the server sending it again.
    if (raw.status !== 'active') o.queue({ kind: 'ack', id: ackItemId(raw.searchId, raw.status), searchId: raw.searchId, status: raw.status });
  }

  function acknowledge(searchId: string): void {
    const n = notices.value.find((x) => x.searchId === searchId);
    update(searchId, (x) => ({ ...x, acknowledged: true }));
    const status = n?.status ?? 'active';
    o.queue({ kind: 'ack', id: ackItemId(searchId, status), searchId, status });
  }

  function reportSighting(searchId: string, text: string, at: { lng: number; lat: number } | null): boolean {
    if (!at) return false;
    const n = notices.value.find((x) => x.searchId === searchId);
    if (n && !n.acknowledged) acknowledge(searchId);
    update(searchId, (x) => ({ ...x, reported: (x.reported ?? 0) + 1 }));
    o.queue({ kind: 'sighting', id: newCommandId(), searchId, lng: at.lng, lat: at.lat, text });
    return true;
  }

  function clear(): void { notices.value = []; }

  return { notices, active, receive, acknowledge, reportSighting, clear };
}
