// The community console's keyboard, like the dispatch console's (components/dispatch/keys.ts): a key in, an action
// out. Pure.
import type { KeyLike } from '../dispatch/keys';

export type CommunityAction =
  | { kind: 'next' } | { kind: 'prev' } | { kind: 'pane'; pane: 'disputes' | 'tasks' } | { kind: 'togglePane' }
  | { kind: 'stage'; index: number }
  | { kind: 'step' }
  | { kind: 'open' } | { kind: 'route' } | { kind: 'session' } | { kind: 'followup' } | { kind: 'close' } | { kind: 'reopen' }
  | { kind: 'order' } | { kind: 'review' } | { kind: 'cancelTask' } | { kind: 'feedback' }
  | { kind: 'escape' };

const LETTERS: Record<string, CommunityAction> = {
  j: { kind: 'next' },
  k: { kind: 'prev' },
  n: { kind: 'open' },
  r: { kind: 'route' },
  s: { kind: 'session' },
  f: { kind: 'followup' },
  c: { kind: 'close' },
  z: { kind: 'reopen' },
  o: { kind: 'order' },
  v: { kind: 'review' },
  b: { kind: 'feedback' },
  x: { kind: 'cancelTask' },
  d: { kind: 'pane', pane: 'disputes' },
  t: { kind: 'pane', pane: 'tasks' },
};

export function communityKeyAction(e: KeyLike): CommunityAction | null {
  if (e.key === 'Escape') return { kind: 'escape' };
  if (e.inField || e.ctrlKey || e.altKey || e.metaKey) return null;
  if (e.key === 'ArrowDown') return { kind: 'next' };
  if (e.key === 'ArrowUp') return { kind: 'prev' };
  if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Tab') return { kind: 'togglePane' };
  if (e.repeat) return null;
  if (e.key === 'Enter') return { kind: 'step' };
  // 0 every open case, 1–4 one stage (待分流, 调解中, 待回访, 待销号).
  if (/^[0-4]$/.test(e.key)) return { kind: 'stage', index: Number(e.key) };
  return LETTERS[e.key.toLowerCase()] ?? null;
}

/** The keys shown along the bottom, in the order of the team's work. */
export const COMMUNITY_KEY_HELP: readonly { keys: string; action: string }[] = [
  { keys: '↑ ↓', action: 'community.keys.move' },
  { keys: 'D T ←→', action: 'community.keys.pane' },
  { keys: '0–4', action: 'community.keys.stage' },
  { keys: 'Enter', action: 'community.keys.step' },
  { keys: 'N', action: 'community.keys.open' },
  { keys: 'R', action: 'community.keys.route' },
  { keys: 'S', action: 'community.keys.session' },
  { keys: 'F', action: 'community.keys.followup' },
  { keys: 'C', action: 'community.keys.close' },
  { keys: 'Z', action: 'community.keys.reopen' },
  { keys: 'O', action: 'community.keys.order' },
  { keys: 'V', action: 'community.keys.review' },
  { keys: 'B', action: 'community.keys.feedback' },
  { keys: 'X', action: 'community.keys.cancelTask' },
  { keys: 'Esc', action: 'keys.escape' },
];
