// A terminal told of broadcast searches (协查), the same on a volunteer's phone (/volunteer) and a unit's terminal
// (/device), both answering with search:acknowledge and search:sighting. The server tells a search again every few
// seconds until it is acknowledged (and on every reconnect), so what a terminal does is kept per search:
//   told (new)      → the person's plan (responder-behaviour.ts): acknowledge after a while, maybe report a sighting
//   told again      → nothing while the acknowledgement is planned or queued (the person has not answered yet);
//                     once the server confirmed it, only a reminder well after that is acknowledged again, quietly
//                     (the confirmation raced the server's reminder otherwise)
//   ended (found, cancelled) → acknowledged quietly at once; a planned sighting is dropped
// The talking (outbox, retries) is the fleet's: it queues what `push` gives it and reports each answer back.
import { randomUUID } from 'node:crypto';
import { SearchNoticeSchema, compileChecker, type SearchNotice } from '@ccr/shared';
import type { SearchAnswerPlan } from './responder-behaviour.js';

/** `quiet`: an acknowledgement not counted nor logged (a search's end, or one sent again). */
export type SearchOut =
  /** `status`: the status of the notice being acknowledged (an acknowledgement of 'active' retried after the end
   *  must not take away the end's own notice). */
  | { event: 'search:acknowledge'; searchId: string; status: SearchNotice['status']; quiet?: true }
  | { event: 'search:sighting'; commandId: string; searchId: string; lng: number; lat: number; text: string };

export interface SearchAnswersOptions {
  /** Whose terminal: `v:<volunteerId>` or `u:<unitId>`; a notice for anyone else is ignored. */
  recipient: string;
  plan: (notice: SearchNotice) => SearchAnswerPlan;
  later: (ms: number, fn: () => void) => void;
  push: (x: SearchOut) => void;
  /** A reminder this long after the server confirmed the acknowledgement means it did not keep it. */
  reackAfterMs?: number;
  now?: () => number;
}

export interface SearchAnswers {
  /** A `search:issued` as received: 'new' (an active search now being answered), 'repeat', 'ended' or 'ignored'. */
  receive(raw: unknown): 'new' | 'repeat' | 'ended' | 'ignored';
  /** The server answered an acknowledgement (ok or refused): nothing more to send for it. */
  answered(x: SearchOut, ok: boolean): void;
}

const noticeChecker = compileChecker(SearchNoticeSchema);
/** Searches a terminal remembers, newest last: far more than are active at once. */
const REMEMBERED = 256;

interface State { ack: 'planned' | 'queued' | 'confirmed' | 'refused'; confirmedAt?: number; ended: boolean; status: SearchNotice['status'] }

export function searchAnswers(o: SearchAnswersOptions): SearchAnswers {
  const now = o.now ?? Date.now;
  const reackAfterMs = o.reackAfterMs ?? 15_000;
  const searches = new Map<string, State>();
  const remember = (id: string, st: State): void => {
    searches.set(id, st);
    if (searches.size > REMEMBERED) searches.delete(searches.keys().next().value!);
  };
  const ack = (searchId: string, st: State, quiet: boolean): void => {
    st.ack = 'queued';
    o.push(quiet ? { event: 'search:acknowledge', searchId, status: st.status, quiet: true } : { event: 'search:acknowledge', searchId, status: st.status });
  };

  return {
    receive(raw) {
      const c = noticeChecker.validate(raw);
      if (!c.ok || c.value.recipient !== o.recipient) return 'ignored';
      const n = c.value;
      const known = searches.get(n.searchId);
      if (n.status !== 'active') {
        const st: State = known ?? { ack: 'planned', ended: true, status: n.status };
        if (!known) remember(n.searchId, st);
        if (st.ended && known) {
          // Told of the end again: acknowledged already, unless the server did not keep it.
          if (st.ack === 'confirmed' && now() - (st.confirmedAt ?? 0) > reackAfterMs) ack(n.searchId, st, true);
          return 'repeat';
        }
        st.ended = true;
        st.status = n.status;
        if (st.ack !== 'queued') ack(n.searchId, st, true);
        return 'ended';
      }
      if (known) {
        if (known.ack === 'confirmed' && now() - (known.confirmedAt ?? 0) > reackAfterMs) ack(n.searchId, known, true);
        return 'repeat';
      }
      const st: State = { ack: 'planned', ended: false, status: 'active' };
      remember(n.searchId, st);
      const plan = o.plan(n);
      o.later(plan.ackAfterMs, () => { if (st.ack === 'planned') ack(n.searchId, st, st.ended); });
      const s = plan.sighting;
      if (s) {
        o.later(s.afterMs, () => {
          if (!st.ended) o.push({ event: 'search:sighting', commandId: `sim-sight-${randomUUID()}`, searchId: n.searchId, lng: s.lng, lat: s.lat, text: s.text });
        });
      }
      return 'new';
    },
    answered(x, ok) {
      if (x.event !== 'search:acknowledge') return;
      const st = searches.get(x.searchId);
      if (!st) return;
      st.ack = ok ? 'confirmed' : 'refused';
      if (ok) st.confirmedAt = now();
    },
  };
}
