// The console's keyboard (keyboard-first: a dispatcher's hands stay on the keys). Pure: a key in, an action out.

export type ConsoleAction =
  | { kind: 'next' } | { kind: 'prev' }
  | { kind: 'dispatch' }
  | { kind: 'pick'; rank: number }
  | { kind: 'backup' } | { kind: 'reassign' } | { kind: 'cancel' } | { kind: 'alert' }
  | { kind: 'resolve' } | { kind: 'close' } | { kind: 'note' } | { kind: 'refresh' } | { kind: 'escape' }
  | { kind: 'acknowledge' } | { kind: 'toP1' }
  | { kind: 'merge' } | { kind: 'notDuplicate' } | { kind: 'toDispute' };

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  /** True when the key went to a text field (then only Escape is the console's). */
  inField?: boolean;
  repeat?: boolean;
}

const LETTERS: Record<string, ConsoleAction> = {
  b: { kind: 'backup' },
  g: { kind: 'reassign' },
  x: { kind: 'cancel' },
  a: { kind: 'alert' },
  r: { kind: 'resolve' },
  c: { kind: 'close' },
  n: { kind: 'note' },
  f: { kind: 'refresh' },
  y: { kind: 'acknowledge' },
  p: { kind: 'toP1' },
  m: { kind: 'merge' },
  d: { kind: 'notDuplicate' },
  t: { kind: 'toDispute' },
  j: { kind: 'next' },
  k: { kind: 'prev' },
};

export function keyAction(e: KeyLike): ConsoleAction | null {
  if (e.key === 'Escape') return { kind: 'escape' };
  if (e.inField || e.ctrlKey || e.altKey || e.metaKey) return null;
  if (e.key === 'ArrowDown') return { kind: 'next' };
  if (e.key === 'ArrowUp') return { kind: 'prev' };
  // A held Enter must not fire a command twice.
  if (e.repeat) return null;
  if (e.key === 'Enter') return { kind: 'dispatch' };
  if (/^[1-9]$/.test(e.key)) return { kind: 'pick', rank: Number(e.key) };
  return LETTERS[e.key.toLowerCase()] ?? null;
}

/** The keys shown on the console, in the order of a dispatcher's work. */
export const KEY_HELP: readonly { keys: string; action: string }[] = [
  { keys: '↑ ↓', action: 'keys.queue' },
  { keys: 'Enter', action: 'keys.dispatch' },
  { keys: '1–9', action: 'keys.pick' },
  { keys: 'B', action: 'keys.backup' },
  { keys: 'G', action: 'keys.reassign' },
  { keys: 'Y', action: 'keys.acknowledge' },
  { keys: 'A', action: 'keys.alert' },
  { keys: 'R', action: 'keys.resolve' },
  { keys: 'C', action: 'keys.close' },
  { keys: 'X', action: 'keys.cancel' },
  { keys: 'M D', action: 'keys.duplicate' },
  { keys: 'N', action: 'keys.note' },
  { keys: 'F', action: 'keys.refresh' },
  { keys: 'Esc', action: 'keys.escape' },
];
