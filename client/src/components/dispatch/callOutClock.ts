// The call-out clocks on the console: for the selected incident, each called tier's answers (who is coming, how many
// people, who arrived and when) read from GET /api/incidents/:id/call-out while it is shown (every few seconds), and
// said in a line that fits a ring's box. Pure line-making, so the words are tested without a page.
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue';
import { formatElapsed, type CallOut, type CallOutTier, type RingMinutes } from '@ccr/shared';
import { apiGet } from '../../api';
import { tl, type Locale } from '../../i18n';

export const CALL_OUT_POLL_MS = 3_000;

export interface TierLines { coming: string; arrived: string; tone: 'kept' | 'late' | 'waiting'; who: string }

/** A tier's two short lines: who is coming with how many people; arrivals and the first one's time against the ring. */
export function tierLines(tier: CallOutTier, names: readonly string[], locale: Locale): TierLines {
  const coming = tier.coming ? tl('terminal.console.coming', locale, { people: tier.people, units: tier.coming }) : tl('terminal.console.awaiting', locale, { n: tier.called });
  const arrived = tier.arrived
    ? tl('terminal.console.arrived', locale, { n: tier.arrived, t: formatElapsed(tier.firstArrivalMs ?? 0) })
    : tier.cannot ? tl('terminal.console.cannot', locale, { n: tier.cannot }) : '';
  return { coming, arrived, tone: tier.kept === null ? 'waiting' : tier.kept ? 'kept' : 'late', who: names.join('、') };
}

/** The selected incident's call-out, kept fresh while it is selected. */
export function useCallOut(incidentId: Ref<string | null>): Ref<Map<RingMinutes, CallOutTier & { names: string[] }>> {
  const tiers = shallowRef(new Map<RingMinutes, CallOutTier & { names: string[] }>());
  const busy = ref(false);
  let timer: ReturnType<typeof setInterval> | undefined;
  async function load(id: string): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    try {
      const c = await apiGet<CallOut>(`/api/incidents/${encodeURIComponent(id)}/call-out`);
      if (incidentId.value !== id) return;
      tiers.value = new Map(c.tiers.map((t) => [t.ring, { ...t, names: c.units.filter((u) => u.tier === t.ring && u.answer === 'coming').map((u) => `${u.name} ${u.people ?? ''}`.trim()) }]));
    } catch {
      // the next poll tries again; the rings still show what the recommendation says
    } finally {
      busy.value = false;
    }
  }
  watch(incidentId, (id) => {
    clearInterval(timer);
    tiers.value = new Map();
    if (!id) return;
    void load(id);
    timer = setInterval(() => void load(id), CALL_OUT_POLL_MS);
  }, { immediate: true });
  onBeforeUnmount(() => clearInterval(timer));
  return tiers;
}
