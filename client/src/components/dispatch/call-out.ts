// What the call-out key (A) says after a call-out: how many minimum emergency units it reached, or that the ring
// held none (it used to say "已呼叫 1 分钟圈内的最小应急单元" when the ring had 0 units, which a shift leader reads as
// help on its way).
import type { RingMinutes } from '@ccr/shared';
import type { MessageKey } from '../../i18n';

export interface CallOutMessage { tone: 'ok' | 'info'; key: MessageKey; params: Record<string, string | number> }

/**
 * @param ring the ring just called out
 * @param alerted units the call-out reached (the command's answer)
 * @param inRing units the recommendation showed in that ring (null when not known)
 * @param next the ring the next press of A calls out (null: none left)
 */
export function callOutMessage(ring: RingMinutes, alerted: number, inRing: number | null, next: RingMinutes | null): CallOutMessage {
  if (alerted > 0) return { tone: 'ok', key: 'cmd.alerted', params: { ring, n: alerted } };
  // Everyone in the ring was reached by an earlier call-out (rings include the smaller ones).
  if (inRing !== null && inRing > 0) return { tone: 'info', key: 'cmd.alertedAlready', params: { ring, n: inRing } };
  return next === null
    ? { tone: 'info', key: 'cmd.alertedEmptyLast', params: { ring } }
    : { tone: 'info', key: 'cmd.alertedEmpty', params: { ring, next } };
}
