import { describe, expect, it } from 'vitest';
import { callOutMessage } from './call-out';
import { tl } from '../../i18n';

const say = (m: ReturnType<typeof callOutMessage>, locale: 'zh-CN' | 'en' = 'zh-CN') => tl(m.key, locale, m.params);

describe('the call-out key\'s message', () => {
  it('names how many units it reached', () => {
    const m = callOutMessage(1, 3, 3, 3);
    expect(m.tone).toBe('ok');
    expect(say(m)).toBe('已呼叫 1 分钟圈内的 3 个最小应急单元');
    expect(say(m, 'en')).toBe('Alerted 3 emergency unit(s) within 1 min');
  });

  it('says so when the ring is empty, and which ring A calls next — never "已呼叫" with 0 units', () => {
    const m = callOutMessage(1, 0, 0, 3);
    expect(m.tone).toBe('info');
    expect(say(m)).toBe('1 分钟圈内没有最小应急单元，未呼叫任何单元；再按 A 呼叫 3 分钟圈');
    expect(say(m, 'en')).toBe('No emergency unit within 1 min: nobody alerted; press A for the 3-min ring');
    expect(say(m)).not.toContain('已呼叫');
    // The ring's count unknown (no recommendation loaded): the answer's 0 decides.
    expect(callOutMessage(3, 0, null, 5).key).toBe('cmd.alertedEmpty');
    expect(say(callOutMessage(5, 0, 0, null))).toBe('5 分钟圈内没有最小应急单元，未呼叫任何单元');
    expect(say(callOutMessage(5, 0, 0, null), 'en')).toBe('No emergency unit within 5 min: nobody alerted');
  });

  it('tells a ring whose units an earlier call-out already reached from an empty one', () => {
    const m = callOutMessage(3, 0, 2, 5);
    expect(m.key).toBe('cmd.alertedAlready');
    expect(say(m)).toBe('3 分钟圈内的 2 个最小应急单元此前已呼叫');
  });
});
