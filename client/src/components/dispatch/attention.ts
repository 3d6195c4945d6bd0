// When a new priority-1 incident arrives, the console turns to it — unless the dispatcher is in the middle of a
// command for another incident (units picked, a note typed, a dialog open, a command in flight), where taking the
// screen away would send their units to the wrong incident. Then the console only says so, loudly.

export interface ConsoleWork {
  selectedId: string | null;
  /** A command is in flight. */
  pending: boolean;
  /** Units picked (1–9), a reassign chosen, a note typed, or a close/cancel dialog open. */
  picked: number;
  reassignChosen: boolean;
  noteTyped: boolean;
  dialogOpen: boolean;
}

export type P1Decision = 'select' | 'announce' | 'ignore';

export function onNewP1(incidentId: string, work: ConsoleWork): P1Decision {
  if (work.selectedId === incidentId) return 'ignore';
  const midCommand = work.pending || work.picked > 0 || work.reassignChosen || work.noteTyped || work.dialogOpen;
  return midCommand ? 'announce' : 'select';
}
