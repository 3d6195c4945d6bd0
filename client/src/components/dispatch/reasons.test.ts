import { describe, expect, it } from 'vitest';
import type { CandidateReason } from '@ccr/shared';
import { clockSeconds, reasonChips, reasonSentence } from './reasons';

const gridOfficer: CandidateReason[] = [
  { code: 'eta', params: { seconds: 70, basis: 'road', calibration: 1.12 } },
  { code: 'in_time', params: { seconds: 300, priority: 1 } },
  { code: 'role_preferred', params: { kind: 'community_officer', type: 'fight' } },
  { code: 'grid_officer', params: { gridId: 'G03' } },
];
const lateFallback: CandidateReason[] = [
  { code: 'eta', params: { seconds: 400, basis: 'straight_line', calibration: 1 } },
  { code: 'late', params: { seconds: 100, priority: 1 } },
  { code: 'role_fallback', params: { kind: 'case_officer', type: 'hazard' } },
];

describe('candidate reasons', () => {
  it('formats seconds as the console does', () => {
    expect(clockSeconds(70)).toBe('1′10″');
    expect(clockSeconds(45)).toBe('45″');
  });

  it('puts in time / late first, then local, then role, and says a fallback that is in time once', () => {
    expect(reasonChips(gridOfficer, 'zh-CN').map((c) => c.text)).toEqual(['可及时到场', '本格民警', '首选力量']);
    expect(reasonChips(lateFallback, 'zh-CN')).toEqual([{ text: '超时限 1′40″', tone: 'warn' }, { text: '备选力量', tone: 'plain' }]);
    const inTimeFallback: CandidateReason[] = [...lateFallback.slice(0, 1), { code: 'in_time', params: { seconds: 600, priority: 2 } }, lateFallback[2]!, { code: 'fallback_in_time', params: {} }];
    expect(reasonChips(inTimeFallback, 'en').map((c) => c.text)).toEqual(['in time', 'fallback, in time']);
  });

  it('says the whole reasoning with the ETA basis and the calibration', () => {
    expect(reasonSentence(gridOfficer, 'zh-CN')).toBe('沿道路预计 1′10″（按实到校准 ×1.12）；在1级警情到场时限 5′00″ 内；打架斗殴首选社区民警；警情所在网格 G03 的社区民警（一格一警）');
    expect(reasonSentence(lateFallback, 'en')).toBe('6′40″ by straight line (no road near); 1′40″ past the P1 on-scene target; Case officer may go to Hazard (not preferred)');
  });
});
