import { describe, expect, it } from 'vitest';
import { actorName, remarkText, unitList, withUnitNames, type NameBook } from './actors';

const units = new Map([['P-03', '巡逻车03'], ['P-05', '巡逻车05']]);
const accounts = new Map([['dispatcher', '调度员']]);
const book: NameBook = { unit: (id) => units.get(id), account: (u) => accounts.get(u) };

describe('actor names', () => {
  it('names the server\'s own rules', () => {
    expect(actorName('system', 'zh-CN', book)).toBe('系统(到场判定)');
    expect(actorName('system', 'en', book)).toBe('System (arrival check)');
    expect(actorName('history', 'zh-CN', book)).toBe('系统(历史数据)');
    expect(actorName('producer-token', 'en', book)).toBe('Producer feed');
  });

  it('names a unit terminal by its unit, or by its id when the unit is unknown', () => {
    expect(actorName('device:P-03', 'zh-CN', book)).toBe('巡逻车03 终端');
    expect(actorName('device:P-03', 'en', book)).toBe('巡逻车03 terminal');
    expect(actorName('device:X-99', 'zh-CN', book)).toBe('X-99 终端');
  });

  it('names an account by its display name where known, else by its username', () => {
    expect(actorName('dispatcher', 'zh-CN', book)).toBe('调度员');
    expect(actorName('zhangsan', 'zh-CN', book)).toBe('zhangsan');
    expect(actorName('zhangsan', 'zh-CN', { unit: () => undefined })).toBe('zhangsan');
    expect(actorName(undefined, 'zh-CN', book)).toBe('');
  });

  it('replaces known unit ids inside a note and leaves other words alone', () => {
    expect(withUnitNames('P-03,P-05 携带警棍', book)).toBe('巡逻车03,巡逻车05 携带警棍');
    expect(withUnitNames('→ JQ-20261123-0042', book)).toBe('→ JQ-20261123-0042');
  });

  it('says the system\'s remarks in the reader\'s language, units by name', () => {
    const arrived = { code: 'arrived_geofence', params: { unitId: 'P-03', meters: 35 } } as const;
    expect(remarkText(arrived, 'zh-CN', book)).toBe('巡逻车03 到达现场 35 米内（电子围栏）');
    expect(remarkText(arrived, 'en', book)).toBe('巡逻车03 within 35 m of the scene (geofence)');
    expect(remarkText({ code: 'merged_from', params: { incidentId: 'JQ-1' } }, 'en', book)).toBe('merged from JQ-1');
  });

  it('lists units by name in the locale\'s manner', () => {
    expect(unitList(['P-03', 'P-05'], 'zh-CN', book)).toBe('巡逻车03、巡逻车05');
    expect(unitList(['P-03', 'Q-1'], 'en', book)).toBe('巡逻车03, Q-1');
  });
});
