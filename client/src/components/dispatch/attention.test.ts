import { describe, expect, it } from 'vitest';
import { onNewP1, type ConsoleWork } from './attention';

const idle: ConsoleWork = { selectedId: 'JQ-1', pending: false, picked: 0, reassignChosen: false, noteTyped: false, dialogOpen: false };

describe('a new priority-1 incident on the console', () => {
  it('is selected for a dispatcher who is not in the middle of a command', () => {
    expect(onNewP1('JQ-9', idle)).toBe('select');
    expect(onNewP1('JQ-9', { ...idle, selectedId: null })).toBe('select');
  });
  it('is only announced while a command is being prepared or sent', () => {
    for (const busy of [{ pending: true }, { picked: 2 }, { reassignChosen: true }, { noteTyped: true }, { dialogOpen: true }]) {
      expect(onNewP1('JQ-9', { ...idle, ...busy })).toBe('announce');
    }
  });
  it('changes nothing when it is already selected', () => {
    expect(onNewP1('JQ-1', idle)).toBe('ignore');
  });
});
