import { describe, expect, it } from 'vitest';
import { MESSAGE_KEYS, messageTable, t } from './i18n';

describe('ui strings', () => {
  it('has both languages for every key', () => {
    for (const k of MESSAGE_KEYS) {
      expect(messageTable[k]['zh-CN'].length, k).toBeGreaterThan(0);
      expect(messageTable[k].en.length, k).toBeGreaterThan(0);
    }
  });

  it('fills placeholders', () => {
    expect(t('wall.title', 'zh-CN', { station: '胜芳派出所' })).toBe('胜芳派出所 综合指挥室');
    expect(t('board.more', 'en', { n: 3 })).toBe('+3 more');
  });
});
